import type { Env, Frame, StepResult } from './types';

/**
 * acrobot: Gymnasium Acrobot-v1 (Sutton 1996; dynamics from Sutton & Barto's book), discrete.
 * - Two links of length 1 and mass 1 hang from a fixed pivot; only the joint between them is
 *   actuated, with a torque of -1, 0 or +1 (actions 0, 1, 2).
 * - The "book" equations of motion, integrated by one classic RK4 step of dt = 0.2 with the
 *   torque held constant; angles are then wrapped to [-pi, pi] and the joint velocities clipped
 *   to [-4 pi, 4 pi] and [-9 pi, 9 pi].
 * - Terminates when the tip rises above the goal line: -cos(th1) - cos(th1 + th2) > 1. True
 *   reward -1 per step, 0 on the step that reaches the goal. Time limit 500 steps.
 * - Start: th1, th2, dth1, dth2 each uniform in [-0.1, 0.1] (hanging down, nearly still).
 *
 * th1 is the first link's angle from straight down, th2 the second link's angle relative to the
 * first. `t` counts steps so that `done` is a pure function of state. Stepping a state already at
 * the goal is absorbing (state unchanged, reward 0, done).
 */
export interface AcrobotState {
  theta1: number;
  theta2: number;
  dtheta1: number;
  dtheta2: number;
  /** Steps taken since reset. */
  t: number;
}

export const ACROBOT = {
  dt: 0.2,
  linkLength1: 1.0,
  linkLength2: 1.0,
  linkMass1: 1.0,
  linkMass2: 1.0,
  /** Position of each link's centre of mass along it. */
  linkComPos1: 0.5,
  linkComPos2: 0.5,
  /** Moments of inertia of both links. */
  linkMoi: 1.0,
  gravity: 9.8,
  maxVel1: 4 * Math.PI,
  maxVel2: 9 * Math.PI,
  torques: [-1, 0, 1] as const,
  maxEpisodeSteps: 500,
} as const;

const ACTIONS = ['torque -1', 'no torque', 'torque +1'] as const;

/** Height of the tip above the pivot is -cos(th1) - cos(th1 + th2) (links of length 1). */
export function acrobotAtGoal(s: Pick<AcrobotState, 'theta1' | 'theta2'>): boolean {
  return -Math.cos(s.theta1) - Math.cos(s.theta2 + s.theta1) > 1.0;
}

type Vec4 = [number, number, number, number];

/**
 * Time derivative of (th1, th2, dth1, dth2) under `torque`: Gymnasium's `_dsdt` with
 * book_or_nips = "book" (the nips variant drops the dth1^2 term in ddth2).
 */
export function acrobotDerivatives(y: Readonly<Vec4>, torque: number): Vec4 {
  const m1 = ACROBOT.linkMass1, m2 = ACROBOT.linkMass2;
  const l1 = ACROBOT.linkLength1;
  const lc1 = ACROBOT.linkComPos1, lc2 = ACROBOT.linkComPos2;
  const I1 = ACROBOT.linkMoi, I2 = ACROBOT.linkMoi;
  const g = ACROBOT.gravity;
  const [theta1, theta2, dtheta1, dtheta2] = y;
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + I2;
  const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - Math.PI / 2);
  const phi1 =
    -m2 * l1 * lc2 * dtheta2 ** 2 * Math.sin(theta2) -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
    (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - Math.PI / 2) +
    phi2;
  const ddtheta2 =
    (torque + (d2 / d1) * phi1 - m2 * l1 * lc2 * dtheta1 ** 2 * Math.sin(theta2) - phi2) /
    (m2 * lc2 ** 2 + I2 - d2 ** 2 / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  return [dtheta1, dtheta2, ddtheta1, ddtheta2];
}

/**
 * Mechanical energy (kinetic + potential, pivot height 0) of the arm. The kinetic energy is
 * (1/2) dq^T M(th2) dq with the mass matrix whose entries are d1, d2 of acrobotDerivatives and
 * m2 lc2^2 + I2; the potential's gradient is (phi1, phi2) there. Without torque the RK4 step
 * keeps it (up to the integration error and the velocity clip); a torque changes it by its work.
 */
export function acrobotEnergy(s: Pick<AcrobotState, 'theta1' | 'theta2' | 'dtheta1' | 'dtheta2'>): number {
  const m1 = ACROBOT.linkMass1, m2 = ACROBOT.linkMass2;
  const l1 = ACROBOT.linkLength1;
  const lc1 = ACROBOT.linkComPos1, lc2 = ACROBOT.linkComPos2;
  const I1 = ACROBOT.linkMoi, I2 = ACROBOT.linkMoi;
  const g = ACROBOT.gravity;
  const { theta1, theta2, dtheta1, dtheta2 } = s;
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + I2;
  const d3 = m2 * lc2 ** 2 + I2;
  const kinetic = 0.5 * d1 * dtheta1 ** 2 + d2 * dtheta1 * dtheta2 + 0.5 * d3 * dtheta2 ** 2;
  const potential = -(m1 * lc1 + m2 * l1) * g * Math.cos(theta1) - m2 * lc2 * g * Math.cos(theta1 + theta2);
  return kinetic + potential;
}

/** The potential energy of the arm straight up (minus that of hanging down). */
const UPRIGHT_ENERGY = (ACROBOT.linkMass1 * ACROBOT.linkComPos1 + ACROBOT.linkMass2 * (ACROBOT.linkLength1 + ACROBOT.linkComPos2)) * ACROBOT.gravity;

/** 0 hanging still, 1 = the energy of the arm held straight up (the scripted teacher's progress). */
export function acrobotSwing(s: Pick<AcrobotState, 'theta1' | 'theta2' | 'dtheta1' | 'dtheta2'>): number {
  return (acrobotEnergy(s) + UPRIGHT_ENERGY) / (2 * UPRIGHT_ENERGY);
}

/** One classic fourth-order Runge-Kutta step of length h (Gymnasium's `rk4` over [0, dt]). */
export function rk4Step(f: (y: Readonly<Vec4>) => Vec4, y0: Readonly<Vec4>, h: number): Vec4 {
  const add = (y: Readonly<Vec4>, k: Readonly<Vec4>, c: number): Vec4 =>
    [y[0] + c * k[0], y[1] + c * k[1], y[2] + c * k[2], y[3] + c * k[3]];
  const k1 = f(y0);
  const k2 = f(add(y0, k1, h / 2));
  const k3 = f(add(y0, k2, h / 2));
  const k4 = f(add(y0, k3, h));
  return [0, 1, 2, 3].map((i) => y0[i]! + (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!)) as Vec4;
}

/** Gymnasium's `wrap`: shift by whole periods into [lo, hi]. */
export function wrapAngle(x: number, lo = -Math.PI, hi = Math.PI): number {
  const period = hi - lo;
  while (x > hi) x -= period;
  while (x < lo) x += period;
  return x;
}

const clip = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

function step(state: AcrobotState, action: number): StepResult<AcrobotState> {
  const torque = ACROBOT.torques[action];
  if (!Number.isInteger(action) || torque === undefined) {
    throw new Error(`acrobot: action must be 0 (torque -1), 1 (none) or 2 (torque +1), got ${action}`);
  }
  if (acrobotAtGoal(state)) return { state, reward: 0, done: true };
  const y: Vec4 = [state.theta1, state.theta2, state.dtheta1, state.dtheta2];
  const ny = rk4Step((v) => acrobotDerivatives(v, torque), y, ACROBOT.dt);
  const next: AcrobotState = {
    theta1: wrapAngle(ny[0]),
    theta2: wrapAngle(ny[1]),
    dtheta1: clip(ny[2], -ACROBOT.maxVel1, ACROBOT.maxVel1),
    dtheta2: clip(ny[3], -ACROBOT.maxVel2, ACROBOT.maxVel2),
    t: state.t + 1,
  };
  const atGoal = acrobotAtGoal(next);
  return { state: next, reward: atGoal ? 0 : -1, done: atGoal || next.t >= ACROBOT.maxEpisodeSteps };
}

/** World positions of the elbow and the tip (pivot at the origin, y up, hanging down at 0). */
export function acrobotJoints(s: Pick<AcrobotState, 'theta1' | 'theta2'>): { elbow: [number, number]; tip: [number, number] } {
  const l1 = ACROBOT.linkLength1, l2 = ACROBOT.linkLength2;
  const elbow: [number, number] = [l1 * Math.sin(s.theta1), -l1 * Math.cos(s.theta1)];
  const tip: [number, number] = [
    elbow[0] + l2 * Math.sin(s.theta1 + s.theta2),
    elbow[1] - l2 * Math.cos(s.theta1 + s.theta2),
  ];
  return { elbow, tip };
}

// The arm reaches at most 2 from the pivot: a 2.3 half-width square holds every state.
const VIEW = { xMin: -2.3, xMax: 2.3, yMin: -2.3, yMax: 2.3 } as const;

function render(s: AcrobotState): Frame {
  const { elbow, tip } = acrobotJoints(s);
  const reached = acrobotAtGoal(s);
  return {
    viewport: { ...VIEW },
    background: '#ffffff',
    items: [
      // Goal line: the tip must rise above it (one link length above the pivot).
      { kind: 'line', x1: VIEW.xMin + 0.1, y1: 1, x2: VIEW.xMax - 0.1, y2: 1, stroke: reached ? '#2e7d32' : '#43a047', width: 0.04 },
      { kind: 'line', x1: 0, y1: 0, x2: elbow[0], y2: elbow[1], stroke: '#1565c0', width: 0.16 },
      { kind: 'line', x1: elbow[0], y1: elbow[1], x2: tip[0], y2: tip[1], stroke: '#ef6c00', width: 0.16 },
      { kind: 'circle', x: 0, y: 0, r: 0.1, fill: '#263238' },
      { kind: 'circle', x: elbow[0], y: elbow[1], r: 0.09, fill: '#fbc02d' },
      { kind: 'circle', x: tip[0], y: tip[1], r: 0.07, fill: reached ? '#2e7d32' : '#c62828' },
    ],
  };
}

export const acrobot: Env<AcrobotState> = {
  id: 'acrobot',
  title: 'Acrobot',
  description: 'Swing the two-link arm so its tip rises above the green line as quickly as possible.',
  actionNames: ACTIONS,
  observationSize: 6,
  maxEpisodeSteps: ACROBOT.maxEpisodeSteps,
  reset: (rng) => {
    const u = () => -0.1 + 0.2 * rng.next();
    return { theta1: u(), theta2: u(), dtheta1: u(), dtheta2: u(), t: 0 };
  },
  step: (state, action) => step(state, action),
  // Gymnasium's observation: angles as (cos, sin) so the features are continuous across +-pi.
  observe: (s) => [Math.cos(s.theta1), Math.sin(s.theta1), Math.cos(s.theta2), Math.sin(s.theta2), s.dtheta1, s.dtheta2],
  render,
  // A person sees the tip swing higher with each pump before it crosses the line: the arm's
  // energy is the height its swing can lift it to. Torque along the elbow's velocity pumps it
  // by ~0.2 per 25-step clip (~90 steps from rest to the line); a weight of 20 makes that ~4
  // return units, as for mountaincar.
  progress: {
    description: 'swing: the energy of the arm (0 = hanging still, 1 = enough to hold it straight up), i.e. how high its tip can swing',
    measure: acrobotSwing,
    weight: 20,
  },
};

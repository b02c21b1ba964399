import type { DrawPrimitive, Env, Frame, StepResult } from './types';

/**
 * mountaincar: Gymnasium MountainCar-v0 (Moore 1990), discrete actions.
 * - Actions: 0 accelerates left, 1 does nothing, 2 accelerates right.
 * - velocity += (action - 1) * 0.001 - 0.0025 * cos(3 * position), clipped to [-0.07, 0.07];
 *   position += velocity, clipped to [-1.2, 0.6]; hitting the left wall stops the car.
 * - Terminates when position >= 0.5 (and velocity >= 0); true reward -1 for every step.
 * - Start: position uniform in [-0.6, -0.4], velocity 0; the time limit cuts episodes at 200.
 *
 * `t` counts steps, so `done` is a pure function of state. Stepping a car that already reached
 * the flag is absorbing (state unchanged, reward 0, done): nothing more is paid after the goal.
 */
export interface MountainCarState {
  position: number;
  velocity: number;
  /** Steps taken since reset. */
  t: number;
}

export const MOUNTAINCAR = {
  minPosition: -1.2,
  maxPosition: 0.6,
  maxSpeed: 0.07,
  goalPosition: 0.5,
  goalVelocity: 0,
  force: 0.001,
  gravity: 0.0025,
  maxEpisodeSteps: 200,
} as const;

const ACTIONS = ['accelerate left', 'coast', 'accelerate right'] as const;

export function mountainCarAtGoal(s: MountainCarState): boolean {
  return s.position >= MOUNTAINCAR.goalPosition && s.velocity >= MOUNTAINCAR.goalVelocity;
}

/** Height of the hill (the track) at `position`, as Gymnasium draws it. */
export function hillHeight(position: number): number {
  return Math.sin(3 * position) * 0.45 + 0.55;
}

const clip = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/**
 * The observation: position and velocity scaled to [-1, 1], then a grid of RBF_PER_AXIS x
 * RBF_PER_AXIS Gaussian bumps over (position, velocity), one grid step wide (coarse coding, as
 * the tile coding of Sutton & Barto's mountain car). Why the bumps: a network fed with the raw
 * or the scaled (position, velocity) alone generalises every update across the whole state
 * space, so the Q-values of the states no episode has reached fall with the visited ones, and
 * the soft-Q oracle never found the flag (-200 at every point, tuning seed 100, with tau 0.01,
 * 0.05 or 0.2 and with 3x the env steps). With local features the Q-values of unvisited
 * (position, velocity) regions stay near their optimistic start (0 against a true -1 per step),
 * and the policy goes looking for them.
 */
const RBF_PER_AXIS = 8;
const RBF_POSITIONS = Array.from({ length: RBF_PER_AXIS }, (_, i) => MOUNTAINCAR.minPosition + ((MOUNTAINCAR.maxPosition - MOUNTAINCAR.minPosition) * i) / (RBF_PER_AXIS - 1));
const RBF_VELOCITIES = Array.from({ length: RBF_PER_AXIS }, (_, i) => -MOUNTAINCAR.maxSpeed + (2 * MOUNTAINCAR.maxSpeed * i) / (RBF_PER_AXIS - 1));
const RBF_WIDTH_POSITION = (MOUNTAINCAR.maxPosition - MOUNTAINCAR.minPosition) / (RBF_PER_AXIS - 1);
const RBF_WIDTH_VELOCITY = (2 * MOUNTAINCAR.maxSpeed) / (RBF_PER_AXIS - 1);

/** See the comment above RBF_PER_AXIS: [scaled position, scaled velocity, then the 64 bumps, position-major]. */
export function mountainCarFeatures(s: Pick<MountainCarState, 'position' | 'velocity'>): number[] {
  const mid = (MOUNTAINCAR.maxPosition + MOUNTAINCAR.minPosition) / 2, half = (MOUNTAINCAR.maxPosition - MOUNTAINCAR.minPosition) / 2;
  const out = [(s.position - mid) / half, s.velocity / MOUNTAINCAR.maxSpeed];
  for (const p of RBF_POSITIONS) {
    const dp = (s.position - p) / RBF_WIDTH_POSITION;
    for (const v of RBF_VELOCITIES) {
      const dv = (s.velocity - v) / RBF_WIDTH_VELOCITY;
      out.push(Math.exp(-0.5 * (dp * dp + dv * dv)));
    }
  }
  return out;
}

/** The lowest point of the track (hillHeight's minimum, at position -pi/6). */
const BOTTOM_HEIGHT = 0.55 - 0.45;

/**
 * The car's mechanical energy as a height: how high it would coast with its speed. Gravity
 * changes the velocity by -gravity * cos(3p) per step, the derivative of the potential
 * (gravity / 3) sin(3p) = (gravity / 3) (hillHeight(p) - 0.55) / 0.45, so
 * energy = v^2 / 2 + that potential, and in height units hillHeight(p) + v^2 * 0.45 * 3 / (2 * gravity).
 * Constant while the car coasts (up to the per-step discretisation); pushing along the
 * velocity raises it.
 */
export function mountainCarEnergyHeight(s: Pick<MountainCarState, 'position' | 'velocity'>): number {
  return hillHeight(s.position) + (s.velocity ** 2 * 0.45 * 3) / (2 * MOUNTAINCAR.gravity);
}

/** 0 at rest at the bottom, 1 = enough energy to coast up to the flag (the scripted teacher's progress). */
export function mountainCarSwing(s: Pick<MountainCarState, 'position' | 'velocity'>): number {
  return (mountainCarEnergyHeight(s) - BOTTOM_HEIGHT) / (hillHeight(MOUNTAINCAR.goalPosition) - BOTTOM_HEIGHT);
}

function step(state: MountainCarState, action: number): StepResult<MountainCarState> {
  if (action !== 0 && action !== 1 && action !== 2) {
    throw new Error(`mountaincar: action must be 0 (left), 1 (coast) or 2 (right), got ${action}`);
  }
  if (mountainCarAtGoal(state)) return { state, reward: 0, done: true };
  const { minPosition, maxPosition, maxSpeed, force, gravity } = MOUNTAINCAR;
  let velocity = state.velocity + (action - 1) * force + Math.cos(3 * state.position) * -gravity;
  velocity = clip(velocity, -maxSpeed, maxSpeed);
  const position = clip(state.position + velocity, minPosition, maxPosition);
  // An inelastic left wall: the car stops there instead of bouncing.
  if (position === minPosition && velocity < 0) velocity = 0;
  const next = { position, velocity, t: state.t + 1 };
  return { state: next, reward: -1, done: mountainCarAtGoal(next) || next.t >= MOUNTAINCAR.maxEpisodeSteps };
}

// Drawing in world units (the x axis is the car's position). The car sits on the curve,
// tilted along its slope; the viewport holds it at both ends of the track and the flag's top.
const CAR_W = 0.12;
const CAR_H = 0.06;
const CLEARANCE = 0.03;
const WHEEL_R = 0.02;
const VIEW = { xMin: -1.3, xMax: 0.7, yMin: -0.05, yMax: 1.25 } as const;
const HILL_POINTS = 90;

/** The hill as a filled polygon down to the bottom of the viewport (built once). */
const HILL: DrawPrimitive = (() => {
  const pts: Array<[number, number]> = [[MOUNTAINCAR.minPosition, VIEW.yMin]];
  for (let i = 0; i <= HILL_POINTS; i++) {
    const x = MOUNTAINCAR.minPosition + ((MOUNTAINCAR.maxPosition - MOUNTAINCAR.minPosition) * i) / HILL_POINTS;
    pts.push([x, hillHeight(x)]);
  }
  pts.push([MOUNTAINCAR.maxPosition, VIEW.yMin], [MOUNTAINCAR.minPosition, VIEW.yMin]);
  return { kind: 'polyline', points: pts, stroke: '#5d4037', width: 0.01, fill: '#d7ccc8' };
})();

function render(s: MountainCarState): Frame {
  const angle = Math.atan(3 * 0.45 * Math.cos(3 * s.position)); // slope of hillHeight
  const c = Math.cos(angle), sn = Math.sin(angle);
  const base = [s.position, hillHeight(s.position)] as const;
  // Car-frame (u along the slope, v normal to it) -> world.
  const at = (u: number, v: number): [number, number] => [base[0] + u * c - v * sn, base[1] + u * sn + v * c];
  const body: Array<[number, number]> = [
    at(-CAR_W / 2, CLEARANCE), at(CAR_W / 2, CLEARANCE), at(CAR_W / 2, CLEARANCE + CAR_H),
    at(-CAR_W / 2, CLEARANCE + CAR_H), at(-CAR_W / 2, CLEARANCE),
  ];
  const wheelL = at(-CAR_W / 4, WHEEL_R), wheelR = at(CAR_W / 4, WHEEL_R);
  const flagX = MOUNTAINCAR.goalPosition;
  const flagY = hillHeight(flagX);
  const items: DrawPrimitive[] = [
    HILL,
    { kind: 'line', x1: flagX, y1: flagY, x2: flagX, y2: flagY + 0.15, stroke: '#263238', width: 0.008 },
    {
      kind: 'polyline', points: [[flagX, flagY + 0.15], [flagX, flagY + 0.11], [flagX + 0.06, flagY + 0.13], [flagX, flagY + 0.15]],
      stroke: '#f9a825', width: 0.004, fill: mountainCarAtGoal(s) ? '#2e7d32' : '#f9a825',
    },
    { kind: 'polyline', points: body, stroke: '#0d47a1', width: 0.006, fill: '#1565c0' },
    { kind: 'circle', x: wheelL[0], y: wheelL[1], r: WHEEL_R, fill: '#212121' },
    { kind: 'circle', x: wheelR[0], y: wheelR[1], r: WHEEL_R, fill: '#212121' },
  ];
  return { viewport: { ...VIEW }, background: '#e3f2fd', items };
}

export const mountaincar: Env<MountainCarState> = {
  id: 'mountaincar',
  title: 'Mountain car',
  description: 'Reach the flag on the right hill as fast as possible by rocking back and forth to build up speed.',
  actionNames: ACTIONS,
  observationSize: 2 + RBF_PER_AXIS * RBF_PER_AXIS,
  maxEpisodeSteps: MOUNTAINCAR.maxEpisodeSteps,
  reset: (rng) => ({ position: -0.6 + 0.2 * rng.next(), velocity: 0, t: 0 }),
  step: (state, action) => step(state, action),
  // Gymnasium's [position, velocity], scaled, plus local features (mountainCarFeatures).
  observe: mountainCarFeatures,
  render,
  // A person sees the car swing higher each time before it reaches the flag. The energy
  // pumping policy (push along the velocity) climbs from rest to the flag's energy in ~120
  // steps, ~0.2 of it per 25-step clip: a weight of 20 makes that ~4 return units, the gap
  // a beta-1 teacher answers ~98% of the time.
  progress: {
    description: 'swing: the height its energy can carry the car to (0 = at rest at the bottom, 1 = enough to coast up to the flag)',
    measure: mountainCarSwing,
    weight: 20,
  },
};

import { clipToBox, type BoxActionSpace, type ContinuousEnv, type DrawPrimitive, type Frame, type StepResult } from './types';

/**
 * pendulum: Gymnasium Pendulum-v1, the classic swing-up with a continuous torque.
 * - State: angle `th` (rad, 0 = upright, positive = counter-clockwise) and angular velocity
 *   `thdot`; `u` is the last torque applied (drawn in the frame), `t` the steps taken.
 * - Dynamics (semi-implicit Euler, dt 0.05, g 10, m 1, l 1, as Gymnasium):
 *     thdot' = clip(thdot + (3g / (2l) sin th + 3 / (m l^2) u) dt, -8, 8),   th' = th + thdot' dt.
 * - True reward: -(angle_normalize(th)^2 + 0.1 thdot^2 + 0.001 u^2), in [-16.27, 0].
 * - Torque u in [-2, 2] (clipped); observation [cos th, sin th, thdot]; start th ~ U(-pi, pi),
 *   thdot ~ U(-1, 1); no terminal state, the time limit cuts episodes at 200 steps.
 * The torque alone (2) cannot lift the pole from hanging (gravity's torque reaches 7.5 at the
 * horizontal): the policy has to swing it up by pumping energy.
 */
export interface PendulumState {
  th: number;
  thdot: number;
  /** The torque applied by the last step (0 at reset). */
  u: number;
  t: number;
}

export const PENDULUM = {
  maxSpeed: 8,
  maxTorque: 2,
  dt: 0.05,
  g: 10,
  m: 1,
  l: 1,
  maxEpisodeSteps: 200,
} as const;

const ACTION_SPACE: BoxActionSpace = { low: [-PENDULUM.maxTorque], high: [PENDULUM.maxTorque], names: ['torque'] };

/** The angle wrapped into [-pi, pi). */
export function angleNormalize(x: number): number {
  return ((((x + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)) - Math.PI;
}

function step(s: PendulumState, action: readonly number[]): StepResult<PendulumState> {
  const [u] = clipToBox('pendulum', ACTION_SPACE, action) as [number];
  const { g, m, l, dt, maxSpeed } = PENDULUM;
  const cost = angleNormalize(s.th) ** 2 + 0.1 * s.thdot ** 2 + 0.001 * u ** 2;
  const rawThdot = s.thdot + ((3 * g) / (2 * l) * Math.sin(s.th) + (3 / (m * l * l)) * u) * dt;
  const thdot = Math.min(maxSpeed, Math.max(-maxSpeed, rawThdot));
  const t = s.t + 1;
  return { state: { th: s.th + thdot * dt, thdot, u, t }, reward: -cost, done: t >= PENDULUM.maxEpisodeSteps };
}

const VIEW = { xMin: -1.35, xMax: 1.35, yMin: -1.35, yMax: 1.35 } as const;
const ARC_R = 0.3;
const ARC_POINTS = 16;

function render(s: PendulumState): Frame {
  // th = 0 points up; positive th turns counter-clockwise.
  const tipX = -PENDULUM.l * Math.sin(s.th), tipY = PENDULUM.l * Math.cos(s.th);
  const items: DrawPrimitive[] = [
    // The goal: upright, dashed-looking thin line.
    { kind: 'line', x1: 0, y1: 0, x2: 0, y2: 1.25, stroke: '#b0bec5', width: 0.015 },
    { kind: 'line', x1: 0, y1: 0, x2: tipX, y2: tipY, stroke: '#c62828', width: 0.1 },
    { kind: 'circle', x: tipX, y: tipY, r: 0.07, fill: '#8e0000' },
    { kind: 'circle', x: 0, y: 0, r: 0.05, fill: '#263238' },
  ];
  // The applied torque as an arc around the pivot: its length is |u| / maxTorque of a half
  // turn, counter-clockwise for positive u.
  const share = Math.abs(s.u) / PENDULUM.maxTorque;
  if (share > 0.02) {
    const sweep = Math.sign(s.u) * share * Math.PI;
    const points: Array<[number, number]> = [];
    for (let i = 0; i <= ARC_POINTS; i++) {
      const a = -Math.PI / 2 + (sweep * i) / ARC_POINTS;
      points.push([ARC_R * Math.cos(a), ARC_R * Math.sin(a)]);
    }
    items.push({ kind: 'polyline', points, stroke: '#1565c0', width: 0.03 });
  }
  return { viewport: { ...VIEW }, background: '#fafafa', items };
}

export const pendulum: ContinuousEnv<PendulumState> = {
  id: 'pendulum',
  title: 'Pendulum swing-up',
  description: 'Swing the pole up and keep it balanced upright, using as little torque as possible.',
  actionSpace: ACTION_SPACE,
  observationSize: 3,
  maxEpisodeSteps: PENDULUM.maxEpisodeSteps,
  reset: (rng) => ({ th: Math.PI * (2 * rng.next() - 1), thdot: 2 * rng.next() - 1, u: 0, t: 0 }),
  step: (state, action) => step(state, action),
  observe: (s) => [Math.cos(s.th), Math.sin(s.th), s.thdot],
  render,
  trailPoint: (s) => [-PENDULUM.l * Math.sin(s.th), PENDULUM.l * Math.cos(s.th)],
};

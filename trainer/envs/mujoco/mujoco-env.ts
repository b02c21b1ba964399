import type { Rng } from '../../core/rng';
import { clipToBox, type BoxActionSpace, type ContinuousEnv, type DrawPrimitive, type Frame } from '../types';
import { MujocoSimulator } from './simulator';

/**
 * What the MuJoCo envs share: a JSON state (qpos, qvel, the step counter, the last action and
 * the drawn capsules' poses), `step` through a MujocoSimulator, and a side-view `render` that
 * reads only the state (so the browser draws a stored clip without MuJoCo).
 */
export interface MujocoState {
  qpos: number[];
  qvel: number[];
  /** The action applied by the last step, clipped into the box (zeros at reset). */
  u: number[];
  t: number;
  /** x1, z1, x2, z2 per drawn capsule, in the env's `capsules` order (written by the simulator). */
  geoms: number[];
}

/** The generalized state only: what rewards and observations read. */
export interface GeneralizedState {
  qpos: readonly number[];
  qvel: readonly number[];
}

export interface DrawnCapsule {
  /** The geom's name in the model XML. */
  name: string;
  /** Its radius there (the simulator checks it against the compiled model). */
  radius: number;
  fill: string;
}

export interface SideView {
  /** World width and height shown; the camera follows qpos[0] when `follow` is set. */
  width: number;
  height: number;
  yMin: number;
  follow: boolean;
  /** Draw the ground (a floor at z = 0) with distance marks every metre. */
  ground: boolean;
}

export interface MujocoEnvConfig {
  id: string;
  title: string;
  description: string;
  xml: string;
  frameSkip: number;
  /** Seconds per env step (the model's timestep x frameSkip); env tests check it against the model. */
  dt: number;
  capsules: readonly DrawnCapsule[];
  actionSpace: BoxActionSpace;
  maxEpisodeSteps: number;
  observationSize: number;
  /** The start state before noise (the model's qpos0, zero velocity). */
  initQpos: readonly number[];
  /** The reset noise added to the start state (Gymnasium's reset_model). */
  resetNoise(rng: Rng, nq: number, nv: number): { qpos: number[]; qvel: number[] };
  observe(s: GeneralizedState): number[];
  /** True reward of the transition before -> after under the (clipped) action. */
  reward(before: GeneralizedState, after: GeneralizedState, action: readonly number[]): number;
  view: SideView;
}

export type MujocoEnv = ContinuousEnv<MujocoState> & { simulator: MujocoSimulator; config: MujocoEnvConfig };

export function makeMujocoEnv(config: MujocoEnvConfig): MujocoEnv {
  const simulator = new MujocoSimulator({
    envId: config.id,
    xml: config.xml,
    frameSkip: config.frameSkip,
    drawnGeoms: config.capsules.map(({ name, radius }) => ({ name, radius })),
  });
  const nu = config.actionSpace.low.length;
  return {
    id: config.id,
    title: config.title,
    description: config.description,
    actionSpace: config.actionSpace,
    observationSize: config.observationSize,
    maxEpisodeSteps: config.maxEpisodeSteps,
    simulator,
    config,
    reset(rng) {
      const noise = config.resetNoise(rng, config.initQpos.length, simulator.model.nv);
      const qpos = config.initQpos.map((q, i) => q + noise.qpos[i]!);
      const out = simulator.pose(qpos, noise.qvel);
      return { qpos: out.qpos, qvel: out.qvel, u: new Array<number>(nu).fill(0), t: 0, geoms: out.geoms };
    },
    step(state, action) {
      const u = clipToBox(config.id, config.actionSpace, action);
      const out = simulator.step(state.qpos, state.qvel, u);
      const t = state.t + 1;
      return {
        state: { qpos: out.qpos, qvel: out.qvel, u, t, geoms: out.geoms },
        reward: config.reward(state, out, u),
        done: t >= config.maxEpisodeSteps,
      };
    },
    observe: (s) => config.observe(s),
    render: (s) => renderSideView(config, s),
  };
}

const COLORS = { background: '#f5f7fa', ground: '#d7dde5', groundLine: '#8a96a3', mark: '#5f6b78' } as const;
const MARK = { length: 0.08, text: 0.11, width: 0.012 } as const;

/** The side view (world x right, world z up) of a MuJoCo state, from its stored capsule poses. */
export function renderSideView(config: MujocoEnvConfig, s: MujocoState): Frame {
  const { view, capsules } = config;
  const centre = view.follow ? s.qpos[0]! : 0;
  let xMin = centre - view.width / 2, xMax = centre + view.width / 2;
  let yMin = view.yMin, yMax = view.yMin + view.height;
  // Keep every capsule in view, however far it flew (the camera frames the torso, not all of it).
  capsules.forEach((c, i) => {
    const [x1, z1, x2, z2] = s.geoms.slice(4 * i, 4 * i + 4) as [number, number, number, number];
    xMin = Math.min(xMin, x1 - c.radius, x2 - c.radius);
    xMax = Math.max(xMax, x1 + c.radius, x2 + c.radius);
    yMin = Math.min(yMin, z1 - c.radius, z2 - c.radius);
    yMax = Math.max(yMax, z1 + c.radius, z2 + c.radius);
  });
  const items: DrawPrimitive[] = [];
  if (view.ground) {
    // A filled polygon rather than a rect: its corners are the viewport's own numbers, exactly.
    if (yMin < 0) items.push({ kind: 'polyline', points: [[xMin, yMin], [xMax, yMin], [xMax, 0], [xMin, 0]], fill: COLORS.ground, stroke: COLORS.ground, width: MARK.width });
    items.push({ kind: 'line', x1: xMin, y1: 0, x2: xMax, y2: 0, stroke: COLORS.groundLine, width: MARK.width });
    // A mark every metre, labelled with its distance from the start: forward motion shows as
    // the marks sliding back under a camera that follows the torso.
    for (let m = Math.ceil(xMin); m <= Math.floor(xMax); m++) {
      const bottom = Math.max(yMin, -MARK.length);
      items.push({ kind: 'line', x1: m, y1: 0, x2: m, y2: bottom, stroke: COLORS.mark, width: MARK.width });
      const textY = -MARK.length - 1.2 * MARK.text;
      if (textY >= yMin && m + 0.02 <= xMax) items.push({ kind: 'text', x: m + 0.02, y: textY, text: `${m} m`, size: MARK.text, fill: COLORS.mark });
    }
  }
  capsules.forEach((c, i) => {
    const [x1, y1, x2, y2] = s.geoms.slice(4 * i, 4 * i + 4) as [number, number, number, number];
    items.push({ kind: 'capsule', x1, y1, x2, y2, r: c.radius, fill: c.fill });
  });
  const viewport = { xMin, xMax, yMin, yMax };
  items.push(...actionBars(config.actionSpace, s.u, viewport));
  return { viewport, background: COLORS.background, items };
}

const BARS = { positive: '#1565c0', negative: '#c62828', track: '#dfe4ea', text: '#37474f' } as const;

/**
 * The last action as one bar per dimension in the frame's top-left corner (what an annotator
 * sees instead of discrete action names): the bar grows right (blue) for a positive torque and
 * left (red) for a negative one, its length the share of the box's bound, with the dimension's
 * name beside it. Sized from the viewport, so it reads the same at any zoom.
 */
export function actionBars(space: BoxActionSpace, u: readonly number[], view: Frame['viewport']): DrawPrimitive[] {
  const height = view.yMax - view.yMin, width = view.xMax - view.xMin;
  // At most 45% of the height for the bars, however many dimensions.
  const row = Math.min(0.07 * height, (0.45 * height) / Math.max(1, space.names.length));
  const text = 0.7 * row, half = 0.12 * width, barH = 0.55 * row;
  const labelX = view.xMin + 0.02 * width, zeroX = labelX + 0.2 * width + half;
  const items: DrawPrimitive[] = [];
  space.names.forEach((name, i) => {
    const yMid = view.yMax - (i + 1) * row;
    const bound = u[i]! >= 0 ? space.high[i]! : -space.low[i]!;
    const share = bound > 0 ? Math.min(1, Math.abs(u[i]!) / bound) : 0;
    const length = share * half;
    items.push({ kind: 'text', x: labelX, y: yMid - text / 3, text: name, size: text, fill: BARS.text });
    items.push({ kind: 'rect', x: zeroX - half, y: yMid - barH / 2, w: 2 * half, h: barH, fill: BARS.track });
    if (length > 0) {
      const positive = u[i]! >= 0;
      items.push({ kind: 'rect', x: positive ? zeroX : zeroX - length, y: yMid - barH / 2, w: length, h: barH, fill: positive ? BARS.positive : BARS.negative });
    }
    items.push({ kind: 'line', x1: zeroX, y1: yMid - barH / 2 - 0.1 * row, x2: zeroX, y2: yMid + barH / 2 + 0.1 * row, stroke: BARS.text, width: 0.06 * row });
  });
  return items;
}

/**
 * Gymnasium v5's locomotion reward: `forward` x the forward velocity of qpos[0] over the env
 * step (x_after - x_before) / dt, plus `healthy.reward` when `healthy.isHealthy(after)`, minus
 * `ctrlCost` x |a|^2.
 */
export function locomotionReward(terms: {
  dt: number;
  forward: number;
  ctrlCost: number;
  healthy?: { reward: number; isHealthy: (s: GeneralizedState) => boolean };
}): (before: GeneralizedState, after: GeneralizedState, action: readonly number[]) => number {
  return (before, after, action) => {
    const velocity = (after.qpos[0]! - before.qpos[0]!) / terms.dt;
    const healthy = terms.healthy && terms.healthy.isHealthy(after) ? terms.healthy.reward : 0;
    const ctrl = action.reduce((sum, a) => sum + a * a, 0);
    return terms.forward * velocity + healthy - terms.ctrlCost * ctrl;
  };
}

/**
 * The locomotion tasks' observation: qpos without the forward position x (so the policy cannot
 * read how far it went), then qvel, clipped to [-velocityClip, velocityClip] where v5 does.
 */
export function observeWithoutX(s: GeneralizedState, velocityClip = Infinity): number[] {
  return [...s.qpos.slice(1), ...s.qvel.map((v) => Math.min(velocityClip, Math.max(-velocityClip, v)))];
}

/** Uniform noise in [-scale, scale] per entry (Gymnasium's np_random.uniform(low=-scale, high=scale)). */
export function uniformNoise(rng: Rng, n: number, scale: number): number[] {
  return Array.from({ length: n }, () => scale * (2 * rng.next() - 1));
}

import type { Rng } from '../core/rng';

/**
 * Environments are pure functions of plain, JSON-serialisable state. Pure state is what makes
 * rollouts from any stored state (the hyper-gradient's G_Q, G_V), clip storage in the database
 * and clip replay in the browser trivial: nothing is hidden in an object.
 *
 * `reward` from `step` is the environment's TRUE reward: used by scripted teachers and metrics
 * only, never by a learner.
 */

/**
 * Drawing primitives in world coordinates; the browser maps the viewport onto its canvas
 * (components/player/drawFrame.ts). Every length is in world units, line widths, radii and
 * text size included; `rect.angle` (radians) turns the rectangle about its centre,
 * counter-clockwise (y grows upwards). A `capsule` is the segment (x1, y1)-(x2, y2) swept by a disc
 * of radius `r` (MuJoCo's capsule geom seen from the side).
 */
export type DrawPrimitive =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; fill?: string; stroke?: string; angle?: number }
  | { kind: 'circle'; x: number; y: number; r: number; fill?: string; stroke?: string }
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number; stroke: string; width: number }
  | { kind: 'capsule'; x1: number; y1: number; x2: number; y2: number; r: number; fill: string }
  | { kind: 'polyline'; points: Array<[number, number]>; stroke: string; width: number; fill?: string }
  | { kind: 'text'; x: number; y: number; text: string; size: number; fill: string };

/** What one frame of a clip looks like. y grows upwards in world coordinates. */
export interface Frame {
  viewport: { xMin: number; xMax: number; yMin: number; yMax: number };
  background?: string;
  items: DrawPrimitive[];
}

export interface StepResult<S> {
  state: S;
  /** True reward of taking the action in the previous state. */
  reward: number;
  /** Episode over (terminal state or time limit). */
  done: boolean;
}

/** Exact model of a tabular env, so model-based methods and exact evaluation work on it. */
export interface TabularModel {
  numStates: number;
  numActions: number;
  /** P[(s * A + a) * S + s'] = P(s' | s, a). */
  transitions: Float64Array;
  /** trueReward[s * A + a]. */
  trueReward: Float64Array;
}

/**
 * What every environment has, whatever its actions: what the browser's player, the run form and
 * the clip store need (none of them steps an env).
 */
export interface EnvCommon<S = unknown> {
  id: string;
  title: string;
  /** One line for annotators: what happens in a clip. */
  description: string;
  observationSize: number;
  /** Episodes are cut here (a time limit, not a terminal state). */
  maxEpisodeSteps: number;
  reset(rng: Rng): S;
  /** Feature vector fed to reward models and Q networks (length observationSize). */
  observe(state: S): number[];
  render(state: S): Frame;
  /**
   * Optional: where a state sits in the render's world coordinates, for a trail of the path so
   * far drawn under each frame (grid5: the cell centre), so a path can be judged at a glance.
   */
  trailPoint?(state: S): [number, number];
}

/** An environment with a finite set of actions, numbered 0..actionNames.length - 1. */
export interface Env<S = unknown> extends EnvCommon<S> {
  actionNames: readonly string[];
  step(state: S, action: number, rng: Rng): StepResult<S>;
  /** Present on tabular envs only. */
  tabular?: TabularEnvExtras<S>;
  /**
   * Optional: progress a person sees in a clip where the true reward is silent (mountaincar's
   * -1 per step is the same for every clip that misses the flag). The scripted teacher
   * (trainer/teachers/scripted.ts) adds `weight` x its change over each step to the true reward.
   */
  progress?: ProgressMeasure<S>;
}

/** See `Env.progress`. */
export interface ProgressMeasure<S> {
  /** What is measured, in words (the README, the run form). */
  description: string;
  /** 0 at rest at the start, 1 = enough to reach the goal; a pure function of the state. */
  measure(state: S): number;
  /** Return units that a progress of 1 is worth to the scripted teacher. */
  weight: number;
}

/**
 * A box of real-valued actions: one entry per dimension. `low[i] < high[i]`, both finite; `names`
 * says what each dimension drives ("torque", "thigh joint").
 */
export interface BoxActionSpace {
  low: readonly number[];
  high: readonly number[];
  names: readonly string[];
}

/**
 * An environment with continuous actions: `step` takes a vector of `actionSpace.low.length`
 * numbers. Out-of-box values are clipped to the box (as Gymnasium's tasks do), so a learner's
 * unsquashed sample is never an error; a wrong length or a non-finite entry is.
 */
export interface ContinuousEnv<S = unknown> extends EnvCommon<S> {
  actionSpace: BoxActionSpace;
  step(state: S, action: readonly number[], rng: Rng): StepResult<S>;
}

/**
 * An environment whose state type is not known statically (the registry's values, code that
 * handles any env). `Env<unknown>` would not do: `step(state: S)` takes S, so an `Env<GridState>`
 * is not assignable to `Env<unknown>`; the state is opaque JSON to such code anyway.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the existential state type, see above
export type AnyEnv = Env<any>;
/** The continuous-action counterpart of AnyEnv. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the existential state type, see AnyEnv
export type AnyContinuousEnv = ContinuousEnv<any>;
/** Any registered environment, discrete or continuous (see index.ts `getAnyEnv`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the existential state type, see AnyEnv
export type AnyEnvCommon = EnvCommon<any>;

export interface TabularEnvExtras<S> {
  model: TabularModel;
  stateIndex(state: S): number;
  stateFromIndex(index: number): S;
  /**
   * The state index `--start far` names: a state far from the (large) reward, so that clips
   * starting there must explore to see it (see start.ts). `reset` itself stays uniform.
   */
  farStart: number;
}

export function numActions(env: Env): number {
  return env.actionNames.length;
}

/** True for continuous-action envs (they carry an `actionSpace` instead of `actionNames`). */
export function isContinuousEnv(env: AnyEnvCommon): env is AnyContinuousEnv {
  return 'actionSpace' in env;
}

/**
 * Checks a continuous action against its box and returns it clipped into the box; throws (naming
 * the env and the expected length) on a wrong length or a non-finite entry.
 */
export function clipToBox(envId: string, space: BoxActionSpace, action: readonly number[]): number[] {
  if (!Array.isArray(action) || action.length !== space.low.length) {
    throw new Error(`${envId}: action must be an array of ${space.low.length} number(s) (${space.names.join(', ')}), got ${JSON.stringify(action)}`);
  }
  return action.map((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${envId}: action[${i}] (${space.names[i]}) must be a finite number, got ${v}`);
    return Math.min(space.high[i]!, Math.max(space.low[i]!, v));
  });
}

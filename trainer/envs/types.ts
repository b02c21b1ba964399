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
 * counter-clockwise (y grows upwards).
 */
export type DrawPrimitive =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; fill?: string; stroke?: string; angle?: number }
  | { kind: 'circle'; x: number; y: number; r: number; fill?: string; stroke?: string }
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number; stroke: string; width: number }
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

export interface Env<S = unknown> {
  id: string;
  title: string;
  /** One line for annotators: what happens in a clip. */
  description: string;
  actionNames: readonly string[];
  observationSize: number;
  /** Episodes are cut here (a time limit, not a terminal state). */
  maxEpisodeSteps: number;
  reset(rng: Rng): S;
  step(state: S, action: number, rng: Rng): StepResult<S>;
  /** Feature vector fed to reward models and Q networks (length observationSize). */
  observe(state: S): number[];
  render(state: S): Frame;
  /**
   * Optional: where a state sits in the render's world coordinates, for a trail of the path so
   * far drawn under each frame (grid5: the cell centre), so a path can be judged at a glance.
   */
  trailPoint?(state: S): [number, number];
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
 * An environment whose state type is not known statically (the registry's values, code that
 * handles any env). `Env<unknown>` would not do: `step(state: S)` takes S, so an `Env<GridState>`
 * is not assignable to `Env<unknown>`; the state is opaque JSON to such code anyway.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the existential state type, see above
export type AnyEnv = Env<any>;

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

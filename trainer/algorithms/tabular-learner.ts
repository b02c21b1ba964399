import type { Adam } from '../core/adam';
import type { LinearPair } from './tabular-rlhf';

/** Metric keys are namespaced and stable: the charts use the same names. */
export interface IterationMetrics extends Readonly<Record<string, number>> {
  'loss/preference': number;
  'hypergrad/norm': number;
  'hypergrad/exploit': number;
  'hypergrad/explore': number;
}

/**
 * A tabular RLHF algorithm: owns the reward parameters x and the soft policy, and takes one
 * outer iteration (upper-level step(s) on x, then warm-started lower-level sweeps) given every
 * label so far and the fresh pairs drawn from the current policy in this iteration.
 */
export interface TabularLearner {
  readonly name: string;
  /** Reward parameters (the upper-level variable). */
  readonly x: Float64Array;
  /** Soft Q of the current policy (warm start of the next lower-level sweeps). */
  readonly Q: Float64Array;
  readonly pi: Float64Array;
  iterate(all: readonly LinearPair[], fresh: readonly LinearPair[], k: number): IterationMetrics;
  /**
   * The optimiser's state (Adam moments, momentum, ...) as one vector, layout private to the
   * learner: checkpointed with x and Q so that a resumed learner takes exactly the next step
   * the uninterrupted one would have taken.
   */
  exportState(): Float64Array;
}

/** Resume a learner from a checkpoint: the reward parameters and the warm-start Q. */
export interface LearnerInit {
  x: ArrayLike<number>;
  Q: Float64Array;
  /** A previous `exportState()`; absent = a cold optimiser (weights warm). */
  state?: Float64Array;
}

/** A checkpoint's optimiser state that does not fit the learner (wrong size, bad values). */
export class LearnerStateError extends Error {
  override name = 'LearnerStateError';
}

/** Restores an Adam optimiser from a checkpoint, as a LearnerStateError when it does not fit. */
export function importAdamState(learner: string, adam: Adam, state: Float64Array): void {
  checkStateLength(learner, state, adam.stateLength);
  try {
    adam.importState(state);
  } catch (error) {
    throw new LearnerStateError(`${learner}: ${(error as Error).message}`);
  }
}

/** Checks `state` has `expected` values (helper for the learners' imports). */
export function checkStateLength(learner: string, state: ArrayLike<number>, expected: number): void {
  if (state.length !== expected) {
    throw new LearnerStateError(`${learner}: optimiser state holds ${state.length} values, expected ${expected} (algorithm or setup changed?)`);
  }
}

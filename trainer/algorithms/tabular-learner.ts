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
}

/** Resume a learner from a checkpoint: the reward parameters and the warm-start Q. */
export interface LearnerInit {
  x: ArrayLike<number>;
  Q: Float64Array;
}

import type { Env } from '../../envs/types';
import type { LabeledPair } from '../../preference/types';
import type { RewardModel } from '../../models/reward-model';
import type { BatchPolicy } from './experience';
import type { PairBatch } from './neural-rlhf';

/** Metric keys are namespaced and stable: the charts use the same names as the tabular engine. */
export interface NeuralIterationMetrics {
  /** Mean Bradley-Terry loss over every label so far, after the update. */
  'loss/preference': number;
  /** The minimised objective on the last mini-batch (Bradley-Terry + reward-scale penalty). */
  'loss/objective': number;
  'hypergrad/norm': number;
  'hypergrad/exploit': number;
  'hypergrad/explore': number;
}

/** What an upper-level step sees in outer iteration k. */
export interface UpperLevelInput<S = unknown> {
  env: Env<S>;
  /** Every label so far, packed (this iteration's included). */
  all: PairBatch;
  /** This iteration's pairs, all drawn from the current policy pi_k. */
  fresh: PairBatch;
  freshPairs: readonly LabeledPair<S>[];
  /** pi_k, fixed during the upper-level steps (rollouts for G use it). */
  policy: BatchPolicy;
  /** Outer iteration index (exploration warm-up). */
  k: number;
}

/**
 * A neural RLHF algorithm's upper level: owns the reward model r_x and moves x once per outer
 * iteration. The lower level (soft Q-learning under r_x) is shared and driven by the loop.
 */
export interface NeuralUpperLevel {
  readonly name: string;
  readonly rewardModel: RewardModel;
  /**
   * One outer iteration's upper-level steps. `pause`, when given, is awaited between steps (the
   * trainer service yields to its event loop there; see trainer/service/README.md); it must not
   * touch the model, so the result is the same with or without it.
   */
  update(input: UpperLevelInput, pause?: () => Promise<void>): Promise<NeuralIterationMetrics>;
  dispose(): void;
}

/**
 * Query selection's reward ensemble for continuous actions: K small reward models r_k(s, a) on
 * the dense-MLP kernel (reward-model.ts), each seeing the labels through its own Poisson(1)
 * bootstrap weights (online bootstrap, as the discrete engine's QueryEnsemble in
 * trainer/service/neural-engine.ts: label i counts poissonWeight(id_i, k) times for member k,
 * stable as labels accumulate). Where the labels pin the reward down the members agree on
 * P(first preferred) = sigmoid(R_k(first) - R_k(second)); where they do not, a label is
 * informative. Warm-started across iterations and checkpointed with the learner (weights, Adam
 * moments, whether fitted), so a resumed run selects as an uninterrupted one would.
 */
import type { Rng } from '../../core/rng';
import { poissonWeight } from '../../core/poisson-weight';
import type { AnyContinuousEnv } from '../../envs/types';
import { miniBatchIndices } from '../neural/neural-rlhf';
import { ContinuousRewardModel, subPackedPairs, type ContinuousPairBatch, type ContinuousSegmentBatch } from './reward-model';
import type { StateSections } from './sac';

export interface ContinuousEnsembleConfig {
  /** Members. */
  size: number;
  hiddenSizes: number[];
  /** Adam steps per iteration (5x when cold). */
  steps: number;
  /** Labelled pairs per mini-batch (shared by the members, then weighted per member). */
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  /** The learner's reward-scale penalty (upper-level.ts): without it near-deterministic labels saturate every member. */
  rewardL2: number;
}

export const DEFAULT_CONTINUOUS_ENSEMBLE: Omit<ContinuousEnsembleConfig, 'size'> = {
  hiddenSizes: [32], steps: 20, batchSize: 64, learningRate: 1e-3, weightDecay: 1e-2, rewardL2: 0.1,
};

export class ContinuousQueryEnsemble {
  readonly members: ContinuousRewardModel[];
  fitted = false;

  constructor(env: AnyContinuousEnv, readonly config: ContinuousEnsembleConfig, seed: number) {
    if (!(Number.isInteger(config.size) && config.size >= 2)) throw new Error(`query ensemble: size must be an integer >= 2, got ${config.size}`);
    this.members = Array.from({ length: config.size }, (_, k) => new ContinuousRewardModel({
      obsSize: env.observationSize, actionSize: env.actionSpace.low.length, hiddenSizes: [...config.hiddenSizes],
      learningRate: config.learningRate, weightDecay: config.weightDecay, seed: seed * 977 + 11 + 31 * k,
    }));
  }

  /**
   * `steps` Adam steps per member (5x when cold) on mini-batches of `all`; labelIds[i] names
   * pair i of `all`. Member k's batch holds pair i poissonWeight(id_i, k) times.
   */
  fit(all: ContinuousPairBatch, labelIds: readonly number[], rng: Rng): void {
    if (all.count !== labelIds.length) throw new Error(`query ensemble: ${labelIds.length} label ids for ${all.count} pairs`);
    if (all.count === 0) return;
    const total = this.fitted ? this.config.steps : 5 * this.config.steps;
    const packed = this.members[0]!.packPairInputs(all);
    for (let step = 0; step < total; step++) {
      const idx = miniBatchIndices(all.count, this.config.batchSize, rng);
      this.members.forEach((member, k) => {
        const repeated: number[] = [];
        for (const i of idx) for (let c = poissonWeight(labelIds[i]!, k); c > 0; c--) repeated.push(i);
        if (repeated.length === 0) return;
        member.applyGradient(member.exploitationGradientOfInputs(subPackedPairs(packed, repeated), this.config.rewardL2).grad);
      });
    }
    this.fitted = true;
  }

  /** Per pair m: the population std over members of sigmoid(R_k(first_m) - R_k(second_m)). */
  disagreement(first: ContinuousSegmentBatch, second: ContinuousSegmentBatch): Float64Array {
    if (first.count !== second.count) throw new Error(`query ensemble: ${first.count} first clips but ${second.count} second ones`);
    const probs = this.members.map((member) => {
      const r1 = member.segmentReturns(first), r2 = member.segmentReturns(second);
      return Float64Array.from(r1, (r, m) => 1 / (1 + Math.exp(r2[m]! - r)));
    });
    const K = probs.length;
    return Float64Array.from({ length: first.count }, (_, m) => {
      let mean = 0;
      for (const p of probs) mean += p[m]! / K;
      let variance = 0;
      for (const p of probs) variance += (p[m]! - mean) ** 2 / K;
      return Math.sqrt(variance);
    });
  }

  /** weights/k, adam/k for every member, and fitted (1 or 0). */
  exportState(): StateSections {
    const out: StateSections = { fitted: Float32Array.of(this.fitted ? 1 : 0) };
    this.members.forEach((member, k) => {
      out[`weights/${k}`] = member.net.params().slice();
      out[`adam/${k}`] = member.net.adam.exportState();
    });
    return out;
  }

  /** Throws, naming the section, when `state` does not fit this ensemble (nothing is written). */
  checkState(state: StateSections): void {
    if (!state.fitted || state.fitted.length !== 1) throw new Error("query ensemble: section 'fitted' is missing");
    const extra = Object.keys(state).filter((key) => key !== 'fitted' && !/^(weights|adam)\/\d+$/.test(key));
    if (extra.length > 0) throw new Error(`query ensemble: unknown section '${extra[0]}'`);
    this.members.forEach((member, k) => {
      const weights = state[`weights/${k}`], adam = state[`adam/${k}`];
      if (!weights || !adam) throw new Error(`query ensemble: member ${k} is missing (the checkpoint holds a smaller ensemble?)`);
      if (weights.length !== member.net.paramCount) throw new Error(`query ensemble: member ${k} holds ${weights.length} weights; this run's members need ${member.net.paramCount}`);
      if (!weights.every(Number.isFinite)) throw new Error(`query ensemble: member ${k} holds non-finite weights`);
      if (adam.length !== member.net.adam.stateLength) throw new Error(`query ensemble: member ${k}'s optimiser holds ${adam.length} values, expected ${member.net.adam.stateLength}`);
      // What Float32Adam.importState refuses, checked here so that no member is written when one is refused.
      const n = member.net.paramCount;
      if (!(adam[0]! > 0 && adam[0]! <= 1 && adam[1]! > 0 && adam[1]! <= 1) || !adam.subarray(2 + n).every((v) => v >= 0)) {
        throw new Error(`query ensemble: member ${k}'s optimiser state is impossible (running products outside (0, 1] or a negative second moment)`);
      }
    });
    if (state[`weights/${this.members.length}`]) throw new Error(`query ensemble: the checkpoint holds more than this run's ${this.members.length} members`);
  }

  importState(state: StateSections): void {
    this.checkState(state);
    this.members.forEach((member, k) => {
      member.net.adam.importState(state[`adam/${k}`]!);
      member.net.setParams(state[`weights/${k}`]!);
    });
    this.fitted = state.fitted![0] === 1;
  }
}

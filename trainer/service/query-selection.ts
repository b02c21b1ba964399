/**
 * Query selection for tabular runs: which candidate pairs from the current policy are worth a
 * person's time. Disagreement = the spread of P(first preferred) across a small bootstrap
 * ensemble of linear reward models: each member is the learner's x refitted (Bradley-Terry +
 * L2, full-batch Adam) on the labels resampled with replacement. Where the labels pin the reward
 * down, the members agree; where few or conflicting labels exist, they disagree, and a label
 * there moves the reward model most (the ensemble-disagreement rule of Christiano et al. 2017
 * and B-Pref, with the bootstrap standing in for independently initialised networks).
 */
import { Adam } from '../core/adam';
import type { Rng } from '../core/rng';
import { sigmoid } from '../preference/bradley-terry';
import { exploitation, type LinearPair } from '../algorithms/tabular-rlhf';

export interface EnsembleConfig {
  /** Members of the ensemble. */
  size: number;
  /** Full-batch Adam steps per member, starting from the learner's x. */
  steps: number;
  lr: number;
  /** L2 weight toward 0 (unlabelled directions stay where the learner put them). */
  l2: number;
}

export const DEFAULT_ENSEMBLE: Omit<EnsembleConfig, 'size'> = { steps: 60, lr: 0.05, l2: 1e-3 };

/** Members fitted on bootstrap resamples of `labeled`, each warm-started at `x0`. */
export function fitBootstrapEnsemble(labeled: readonly LinearPair[], x0: Float64Array, config: EnsembleConfig, rng: Rng): Float64Array[] {
  const members: Float64Array[] = [];
  for (let e = 0; e < config.size; e++) {
    const x = new Float64Array(x0);
    if (labeled.length > 0) {
      const sample = Array.from({ length: labeled.length }, () => labeled[rng.int(labeled.length)]!);
      const adam = new Adam(x.length, { lr: config.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
      for (let step = 0; step < config.steps; step++) {
        const { grad } = exploitation(sample, x);
        for (let j = 0; j < x.length; j++) grad[j] = grad[j]! + config.l2 * x[j]!;
        adam.step(x, grad);
      }
    }
    members.push(x);
  }
  return members;
}

/** Population standard deviation of P(first preferred) = sig(featureDiff . x_e) over the members. */
export function disagreement(members: readonly Float64Array[], featureDiff: Float64Array): number {
  const probs = members.map((x) => {
    let delta = 0;
    for (let j = 0; j < x.length; j++) delta += featureDiff[j]! * x[j]!;
    return sigmoid(delta);
  });
  const mean = probs.reduce((s, p) => s + p, 0) / probs.length;
  return Math.sqrt(probs.reduce((s, p) => s + (p - mean) ** 2, 0) / probs.length);
}

/**
 * Indices of the `count` highest scores, best first (ties keep candidate order, and candidates
 * are drawn at random, so ties are broken at random).
 */
export function topByScore(scores: readonly number[], count: number): number[] {
  return scores
    .map((score, index) => ({ score, index }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, count)
    .map((c) => c.index);
}

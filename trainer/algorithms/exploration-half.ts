/**
 * How SoBiRL's exploration half, tau^-1 E_{pairs ~ pi_k}[(l - b) * score(d1, d2)], is estimated
 * (the settings `exploreData`, `weightCap`, `baseline` of sobirl.ts):
 * - 'fresh': on the pairs drawn from pi_k in this outer iteration only (the log-probability
 *   trick is exact for them; 8 pairs per iteration on the tabular envs);
 * - 'weighted': on every label so far, each older pair reweighted to pi_k by importance sampling,
 *   w = P_k(d1) P_k(d2) / P_j(d1) P_j(d2) = prod over both clips' steps pi_k(a|s) / pi_j(a|s)
 *   (start and transition probabilities cancel; pi_j's log-probabilities are stored with each
 *   clip), truncated at `weightCap` (truncation trades a bias for a bounded variance).
 */
import type { Segment } from '../preference/types';
import { exploration, segmentIndices, type LinearPair, type TabularSetup } from './tabular-rlhf';

/** The same words as trainer/contracts/run-config.ts's STRING_ALGORITHM_SETTINGS.exploreData (tested). */
export const EXPLORE_DATA = ['fresh', 'weighted'] as const;
export type ExploreData = (typeof EXPLORE_DATA)[number];

/** log pi(a_h | s_h) summed over a clip's steps under the current policy. */
function logProbUnder(setup: TabularSetup, pi: Float64Array, seg: Segment): number {
  let total = 0;
  for (const sa of segmentIndices(setup, seg)) total += Math.log(pi[sa]!);
  return total;
}

/** Truncated importance weights min(cap, P_pi(pair) / P_behaviour(pair)) of each pair. */
export function importanceWeights(setup: TabularSetup, pi: Float64Array, pairs: readonly LinearPair[], cap: number): number[] {
  return pairs.map(({ pair }) => {
    let logRatio = 0;
    for (const seg of [pair.first, pair.second]) {
      logRatio += logProbUnder(setup, pi, seg);
      for (const lp of seg.logProbs) logRatio -= lp;
    }
    return Math.min(cap, Math.exp(logRatio));
  });
}

/** tau^-1 mean_m w_m (l_m - b_m) score_m (an n-vector): tabular-rlhf.ts's `exploration` with importance weights. */
export function weightedExploration(
  pairs: readonly LinearPair[], scores: readonly Float64Array[], weights: readonly number[], x: Float64Array, tau: number, baseline: boolean,
): Float64Array {
  return exploration(pairs, scores, x, tau, baseline, weights);
}

/** Scales `explore` down so that ||explore|| <= cap * ||exploit|| (cap <= 0: unchanged). */
export function capExploration(explore: Float64Array, exploitNorm: number, cap: number): Float64Array {
  if (!(cap > 0)) return explore;
  let sq = 0;
  for (const v of explore) sq += v * v;
  const limit = cap * exploitNorm, norm = Math.sqrt(sq);
  if (norm <= limit || norm === 0) return explore;
  return explore.map((v) => (v * limit) / norm);
}

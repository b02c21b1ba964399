/**
 * The score of a labeled pair under the current policy pi, the factor of the exploration half
 * of the SoBiRL hyper-gradient:
 *   score(d1, d2) = sum over both segments and steps h of (G_Q(s_h, a_h) - G_V(s_h)),
 * where G_Q, G_V stand for grad_x Q*, grad_x V* (docs/algorithms.md, "ways to get G"):
 *   'exact'   (1) implicit derivatives: grad V = (I - gamma P^pi)^-1 sum_a pi grad r,
 *                 grad Q = grad r + gamma P grad V. Then score = tau * grad_x log P(d1, d2).
 *   'rollout' (2) simulator rollouts restarted from the stored state s_h: G_Q averages
 *                 sum_{t<T} gamma^t grad r(s_t, a_t) over rollouts that start with a_h, G_V over
 *                 rollouts that start with a ~ pi. Unbiased up to the dropped gamma^T tail.
 *   'suffix'  (3) the clip's own suffix as a one-sample G_Q: sum_{t=h}^{H-1} gamma^(t-h) grad r
 *                 along the clip, minus a value baseline truncated the SAME way: the exact
 *                 expectation of that (H - h)-step sum from s_h under pi (the tabular stand-in
 *                 for a learned value). A full-horizon grad V as baseline would subtract ~10x more
 *                 than the suffix holds at gamma 0.9 (measured: grid5 collapsed to return -1.9).
 *                 Still biased in this use: the suffix's noise comes from the same steps that
 *                 decide the clip's loss l, so E[(l - b) * noise] != 0 (grid5 collapses with it,
 *                 README). Kept because it is what a black-box clip source offers.
 * With a linear reward grad r is the feature row, so scores depend on pi and not on x: they are
 * computed once per outer iteration and reused by every inner step.
 */
import type { Rng } from '../core/rng';
import { implicitGradients } from '../tabular/soft';
import { segmentIndices, type LinearPair, type TabularSetup } from './tabular-rlhf';

export type GradientSource = 'exact' | 'rollout' | 'suffix';

export interface ScoreOptions {
  source: GradientSource;
  /** 'rollout': rollout length T (the gamma^T tail is dropped). */
  rolloutSteps: number;
  /** 'rollout': rollouts per G_Q and per G_V estimate. */
  rollouts: number;
  /** 'rollout': the random stream of the simulator. */
  rng?: Rng;
}

export const EXACT_SCORES: ScoreOptions = { source: 'exact', rolloutSteps: 40, rollouts: 8 };

export function pairScores(
  setup: TabularSetup,
  pi: Float64Array,
  pairs: readonly LinearPair[],
  options: ScoreOptions = EXACT_SCORES,
): Float64Array[] {
  const { n } = setup;
  const { A } = setup.mdp;
  const exact = options.source === 'rollout' ? null : implicitGradients(setup.mdp, pi, setup.features, n);
  return pairs.map(({ pair }) => {
    const score = new Float64Array(n);
    for (const seg of [pair.first, pair.second]) {
      const sas = segmentIndices(setup, seg);
      const suffix = options.source === 'suffix' ? suffixSums(setup, sas) : null;
      const truncatedV = options.source === 'suffix' ? truncatedValueGradients(setup, pi, sas.length) : null;
      sas.forEach((sa, h) => {
        const s = Math.floor(sa / A);
        let gQ: ArrayLike<number>, gV: ArrayLike<number>;
        if (options.source === 'rollout') {
          const rng = options.rng;
          if (!rng) throw new Error("pairScores: source 'rollout' needs options.rng");
          gQ = rolloutFeatures(setup, pi, s, sa % A, options, rng);
          gV = rolloutFeatures(setup, pi, s, null, options, rng);
        } else {
          if (options.source === 'suffix') {
            gQ = suffix![h]!;
            gV = truncatedV![sas.length - h]!.subarray(s * n, (s + 1) * n);
          } else {
            gQ = exact!.gradQ.subarray(sa * n, (sa + 1) * n);
            gV = exact!.gradV.subarray(s * n, (s + 1) * n);
          }
        }
        for (let j = 0; j < n; j++) score[j] = score[j]! + gQ[j]! - gV[j]!;
      });
    }
    return score;
  });
}

/**
 * out[k][s, :] = E[ sum_{t<k} gamma^t features(s_t, a_t) | s_0 = s, pi ] for k = 0..H: the
 * gradient of the k-step truncated value, by the finite-horizon recursion
 * V_k(s) = sum_a pi(a|s) (F(s, a) + gamma sum_s' P(s'|s, a) V_{k-1}(s')).
 */
function truncatedValueGradients(setup: TabularSetup, pi: Float64Array, horizon: number): Float64Array[] {
  const { n, features } = setup;
  const { S, A, P, gamma } = setup.mdp;
  const out: Float64Array[] = [new Float64Array(S * n)];
  for (let k = 1; k <= horizon; k++) {
    const prev = out[k - 1]!;
    const cur = new Float64Array(S * n);
    for (let s = 0; s < S; s++) {
      for (let a = 0; a < A; a++) {
        const sa = s * A + a, p = pi[sa]!;
        if (p === 0) continue;
        for (let j = 0; j < n; j++) {
          let next = 0;
          for (let s2 = 0; s2 < S; s2++) {
            const q = P[sa * S + s2]!;
            if (q !== 0) next += q * prev[s2 * n + j]!;
          }
          cur[s * n + j] = cur[s * n + j]! + p * (features[sa * n + j]! + gamma * next);
        }
      }
    }
    out.push(cur);
  }
  return out;
}

/** suffix[h] = sum_{t=h}^{H-1} gamma^(t-h) features(s_t, a_t), by a backward recursion. */
function suffixSums(setup: TabularSetup, sas: readonly number[]): Float64Array[] {
  const { n, features } = setup;
  const out: Float64Array[] = new Array(sas.length);
  let next = new Float64Array(n);
  for (let h = sas.length - 1; h >= 0; h--) {
    const cur = new Float64Array(n);
    const sa = sas[h]!;
    for (let j = 0; j < n; j++) cur[j] = features[sa * n + j]! + setup.mdp.gamma * next[j]!;
    out[h] = cur;
    next = cur;
  }
  return out;
}

/**
 * Mean over rollouts of sum_{t<T} gamma^t features(s_t, a_t) from state s, the first action
 * fixed to `firstAction` (G_Q) or drawn from pi (G_V). The tabular model P plays the simulator.
 */
function rolloutFeatures(
  setup: TabularSetup, pi: Float64Array, start: number, firstAction: number | null, options: ScoreOptions, rng: Rng,
): Float64Array {
  const { n, features } = setup;
  const { S, A, P, gamma } = setup.mdp;
  const total = new Float64Array(n);
  for (let k = 0; k < options.rollouts; k++) {
    let s = start, discount = 1;
    for (let t = 0; t < options.rolloutSteps; t++) {
      const a = t === 0 && firstAction !== null ? firstAction : rng.categorical(pi.subarray(s * A, (s + 1) * A));
      const sa = s * A + a;
      for (let j = 0; j < n; j++) total[j] = total[j]! + discount * features[sa * n + j]!;
      s = rng.categorical(P.subarray(sa * S, (sa + 1) * S));
      discount *= gamma;
    }
  }
  for (let j = 0; j < n; j++) total[j] = total[j]! / options.rollouts;
  return total;
}

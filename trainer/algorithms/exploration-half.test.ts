import { describe, expect, it } from 'vitest';
import { makeRng, type Rng } from '../core/rng';
import { getEnv } from '../envs';
import { policyFromQ } from '../tabular/soft';
import { capExploration, importanceWeights, weightedExploration } from './exploration-half';
import { exploration, makeTabularSetup, sampleTabularSegment, toLinearPair, type LinearPair, type TabularSetup } from './tabular-rlhf';
import { pairScores } from './tabular-scores';

const setup = makeTabularSetup(getEnv('riverswim'), 0.9, 0.3, 'state');
const { S, A } = setup.mdp;
const uniform = new Float64Array(S * A).fill(1 / A);
// A policy that swims right more often (logits 0 / 0.8 in every state).
const rightward = policyFromQ(Float64Array.from({ length: S * A }, (_, i) => (i % A === 1 ? 0.8 : 0)), S, A, 1).pi;

function samplePairs(pi: Float64Array, count: number, rng: Rng): LinearPair[] {
  return Array.from({ length: count }, () => {
    const first = sampleTabularSegment(setup, pi, 3, rng), second = sampleTabularSegment(setup, pi, 3, rng);
    const diff = first.trueRewards.reduce((a, b) => a + b, 0) - second.trueRewards.reduce((a, b) => a + b, 0);
    const y = rng.next() < 1 / (1 + Math.exp(-5 * diff)) ? 1 : 0;
    return toLinearPair(setup, { first, second, y });
  });
}

/** Per-pair exploration terms (no baseline), their mean and standard error. */
function perPairMean(s: TabularSetup, pairs: LinearPair[], pi: Float64Array, weights: number[], x: Float64Array) {
  const scores = pairScores(s, pi, pairs);
  const terms = pairs.map((p, m) => weightedExploration([p], [scores[m]!], [weights[m]!], x, s.mdp.tau, false));
  const n = s.n, N = terms.length;
  const mean = new Float64Array(n), se = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    for (const t of terms) mean[j] = mean[j]! + t[j]! / N;
    let sq = 0;
    for (const t of terms) sq += (t[j]! - mean[j]!) ** 2;
    se[j] = Math.sqrt(sq / (N - 1) / N);
  }
  return { mean, se };
}

describe('importance-weighted exploration half', () => {
  it('weights are the per-step probability ratios of both clips, truncated at the cap', () => {
    const rng = makeRng(1);
    const [p] = samplePairs(uniform, 1, rng);
    let ratio = 1;
    for (const seg of [p!.pair.first, p!.pair.second]) {
      seg.actions.forEach((a, h) => {
        const s = setup.env.tabular!.stateIndex(seg.states[h]);
        ratio *= rightward[s * A + a]! / uniform[s * A + a]!;
      });
    }
    expect(importanceWeights(setup, rightward, [p!], 1e9)[0]).toBeCloseTo(ratio, 12);
    expect(importanceWeights(setup, rightward, [p!], 0.5)[0]).toBe(Math.min(0.5, ratio));
    expect(importanceWeights(setup, uniform, [p!], 5)[0]).toBeCloseTo(1, 12); // same policy: weight 1
  });

  it('with unit weights is exactly the fresh-pair estimate (tabular-rlhf.ts exploration)', () => {
    const pairs = samplePairs(uniform, 12, makeRng(2));
    const x = Float64Array.from({ length: setup.n }, (_, j) => 0.1 * j);
    const scores = pairScores(setup, uniform, pairs);
    for (const baseline of [false, true]) {
      expect(Array.from(weightedExploration(pairs, scores, pairs.map(() => 1), x, setup.mdp.tau, baseline)))
        .toEqual(Array.from(exploration(pairs, scores, x, setup.mdp.tau, baseline)));
    }
  });

  it('older pairs reweighted to the current policy estimate the same mean as fresh ones (untruncated)', () => {
    const x = Float64Array.from({ length: setup.n }, (_, j) => (j === S - 1 ? 1 : j === 0 ? 0.3 : 0));
    const old = samplePairs(uniform, 6000, makeRng(3));
    const fresh = samplePairs(rightward, 6000, makeRng(4));
    const weighted = perPairMean(setup, old, rightward, importanceWeights(setup, rightward, old, 1e9), x);
    const onPolicy = perPairMean(setup, fresh, rightward, fresh.map(() => 1), x);
    const unweighted = perPairMean(setup, old, rightward, old.map(() => 1), x);
    let biasSeen = false;
    for (let j = 0; j < setup.n; j++) {
      const se = Math.hypot(weighted.se[j]!, onPolicy.se[j]!);
      expect(Math.abs(weighted.mean[j]! - onPolicy.mean[j]!), `feature ${j}`).toBeLessThan(4.5 * se);
      // Teeth: without the weights the old pairs estimate something else.
      if (Math.abs(unweighted.mean[j]! - onPolicy.mean[j]!) > 6 * Math.hypot(unweighted.se[j]!, onPolicy.se[j]!)) biasSeen = true;
    }
    expect(biasSeen).toBe(true);
  });

  it('caps the applied term at cap x the exploitation norm, and leaves a smaller one alone', () => {
    const v = Float64Array.from([3, 4]);
    expect(Array.from(capExploration(v, 10, 0.25))).toEqual([1.5, 2]); // norm 5 -> 2.5
    expect(capExploration(v, 100, 0.25)).toBe(v);
    expect(capExploration(v, 1, 0)).toBe(v); // cap <= 0: off
  });
});

describe('exploration-half words', () => {
  it('are the ones the run config accepts', async () => {
    const { STRING_ALGORITHM_SETTINGS } = await import('../contracts/run-config');
    const { EXPLORE_DATA } = await import('./exploration-half');
    expect(STRING_ALGORITHM_SETTINGS.exploreData).toEqual([...EXPLORE_DATA]);
    expect(STRING_ALGORITHM_SETTINGS.exploreSchedule).toEqual(['per-iteration', 'per-step']);
  });
});

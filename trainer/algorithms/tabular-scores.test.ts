import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { grid5 } from '../envs/grid5';
import { softValueIteration } from '../tabular/soft';
import { makeTabularSetup, rewardOf, sampleTabularSegment, segmentIndices, toLinearPair } from './tabular-rlhf';
import { pairScores } from './tabular-scores';

const setup = makeTabularSetup(grid5, 0.9, 0.5, 'state');
const rng0 = makeRng(5);
const x = new Float64Array(setup.n).map(() => 0.7 * rng0.normal());
const pi = softValueIteration(setup.mdp, rewardOf(setup, x), { tol: 1e-12 }).pi;
const segRng = makeRng(6);
const pair = toLinearPair(setup, {
  first: sampleTabularSegment(setup, pi, 4, segRng),
  second: sampleTabularSegment(setup, pi, 4, segRng),
  y: 1,
});

const maxAbsDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, v, j) => Math.max(m, Math.abs(v - b[j]!)), 0);

describe('pair scores from the three sources of G', () => {
  it('simulator rollouts converge to the exact implicit derivatives as rollouts grow', () => {
    const [exact] = pairScores(setup, pi, [pair]);
    // gamma^T with T = 120 is 3e-6: the truncation bias is far below the sampling error.
    const errorAt = (rollouts: number, seed: number) => {
      const [est] = pairScores(setup, pi, [pair], { source: 'rollout', rolloutSteps: 120, rollouts, rng: makeRng(seed) });
      return maxAbsDiff(est!, exact!);
    };
    const small = errorAt(32, 1), large = errorAt(2048, 2);
    const scale = Math.max(...exact!.map(Math.abs));
    expect(large).toBeLessThan(small);
    // Monte Carlo error shrinks like 1/sqrt(R): 8x fewer errors at 64x the rollouts, with slack.
    expect(large).toBeLessThan(0.1 * scale);
  });

  it("'suffix' is the clip's discounted feature suffix minus the same-horizon value gradient (direct sums)", () => {
    const [score] = pairScores(setup, pi, [pair], { source: 'suffix', rolloutSteps: 0, rollouts: 0 });
    // Independent baseline: E[sum_{t<k} gamma^t F(s_t, a_t) | s] = sum_t gamma^t (e_s P_pi^t) F_pi,
    // with F_pi(s) = sum_a pi(a|s) F(s, a), by repeated vector-matrix products.
    const { S, A, P } = setup.mdp;
    const truncatedV = (s0: number, k: number) => {
      const out = new Float64Array(setup.n);
      let dist = new Float64Array(S); dist[s0] = 1;
      for (let t = 0; t < k; t++) {
        const next = new Float64Array(S);
        for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) {
          const w = dist[s]! * pi[s * A + a]!;
          if (w === 0) continue;
          for (let j = 0; j < setup.n; j++) out[j] = out[j]! + 0.9 ** t * w * setup.features[(s * A + a) * setup.n + j]!;
          for (let s2 = 0; s2 < S; s2++) next[s2] = next[s2]! + w * P[(s * A + a) * S + s2]!;
        }
        dist = next;
      }
      return out;
    };
    const expected = new Float64Array(setup.n);
    for (const seg of [pair.pair.first, pair.pair.second]) {
      const sas = segmentIndices(setup, seg);
      for (let h = 0; h < sas.length; h++) {
        const s = Math.floor(sas[h]! / setup.mdp.A);
        for (let t = h; t < sas.length; t++) {
          for (let j = 0; j < setup.n; j++) expected[j] = expected[j]! + 0.9 ** (t - h) * setup.features[sas[t]! * setup.n + j]!;
        }
        const baseline = truncatedV(s, sas.length - h);
        for (let j = 0; j < setup.n; j++) expected[j] = expected[j]! - baseline[j]!;
      }
    }
    expect(maxAbsDiff(score!, expected)).toBeLessThan(1e-12);
  });

  it("'rollout' refuses to run without a random stream", () => {
    expect(() => pairScores(setup, pi, [pair], { source: 'rollout', rolloutSteps: 5, rollouts: 1 })).toThrow(/needs options.rng/);
  });
});

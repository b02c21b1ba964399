import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { grid5 } from '../envs/grid5';
import { softValueIteration } from '../tabular/soft';
import type { LabeledPair } from '../preference/types';
import {
  exploitation, makeTabularSetup, pairLosses, rewardOf, sampleTabularSegment, segmentIndices, toLinearPair,
  type TabularSetup,
} from './tabular-rlhf';
import { pairScores } from './tabular-scores';

// A small random reward vector so the policy is not uniform and gradients are not trivial.
function setupWithX(seed: number): { setup: TabularSetup; x: Float64Array } {
  const setup = makeTabularSetup(grid5, 0.9, 0.5, 'state-action');
  const rng = makeRng(seed);
  const x = new Float64Array(setup.n).map(() => 0.5 * rng.normal());
  return { setup, x };
}

function samplePairs(setup: TabularSetup, pi: Float64Array, count: number, seed: number): LabeledPair[] {
  const rng = makeRng(seed);
  const labels = [1, 0, 0.5] as const;
  return Array.from({ length: count }, (_, i) => ({
    first: sampleTabularSegment(setup, pi, 6, rng),
    second: sampleTabularSegment(setup, pi, 6, rng),
    y: labels[i % 3]!,
  }));
}

describe('tabular RLHF pieces', () => {
  it('exploitation gradient matches central differences of the mean loss', () => {
    const { setup, x } = setupWithX(1);
    const pi = softValueIteration(setup.mdp, rewardOf(setup, x), { tol: 1e-12 }).pi;
    const pairs = samplePairs(setup, pi, 12, 2).map((p) => toLinearPair(setup, p));
    const { grad } = exploitation(pairs, x);
    const meanLoss = (v: Float64Array) => pairLosses(pairs, v).reduce((s, l) => s + l, 0) / pairs.length;
    const h = 1e-6;
    for (const j of [0, 7, 48, 96, 99]) {
      const xp = new Float64Array(x), xm = new Float64Array(x);
      xp[j] = xp[j]! + h; xm[j] = xm[j]! - h;
      expect(grad[j]).toBeCloseTo((meanLoss(xp) - meanLoss(xm)) / (2 * h), 7);
    }
  });

  it('pair scores equal tau * grad_x log P(pair) under the soft-optimal policy (finite differences)', () => {
    const { setup, x } = setupWithX(3);
    const tau = setup.mdp.tau;
    const solve = (v: Float64Array) => softValueIteration(setup.mdp, rewardOf(setup, v), { tol: 1e-13 }).pi;
    const pi = solve(x);
    const pairs = samplePairs(setup, pi, 3, 4).map((p) => toLinearPair(setup, p));
    const scores = pairScores(setup, pi, pairs);
    // log P(pair) as a function of x: only the action log-probabilities depend on x.
    const logProb = (v: Float64Array, p: LabeledPair) => {
      const piV = solve(v);
      let total = 0;
      for (const seg of [p.first, p.second]) for (const sa of segmentIndices(setup, seg)) total += Math.log(piV[sa]!);
      return total;
    };
    const h = 1e-5;
    pairs.forEach((p, m) => {
      for (const j of [0, 13, 50, 99]) {
        const xp = new Float64Array(x), xm = new Float64Array(x);
        xp[j] = xp[j]! + h; xm[j] = xm[j]! - h;
        const fd = (tau * (logProb(xp, p.pair) - logProb(xm, p.pair))) / (2 * h);
        expect(Math.abs(scores[m]![j]! - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
      }
    });
  });
});

import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import type { LinearPair } from '../algorithms/tabular-rlhf';
import type { Segment } from '../preference/types';
import { disagreement, fitBootstrapEnsemble, topByScore } from './query-selection';

const dummy = {} as Segment;
const pairOn = (featureDiff: number[], y: 0 | 1 | 0.5): LinearPair => ({ pair: { first: dummy, second: dummy, y }, featureDiff: Float64Array.from(featureDiff) });

describe('query selection by bootstrap-ensemble disagreement', () => {
  it('disagreement is the population std of sigmoid(delta) across members (direct computation)', () => {
    const members = [Float64Array.from([1, 0]), Float64Array.from([-1, 0]), Float64Array.from([0, 2])];
    const diff = Float64Array.from([0.5, 0.25]);
    const p = [0.5, -0.5, 0.5].map((d) => 1 / (1 + Math.exp(-d)));
    const mean = (p[0]! + p[1]! + p[2]!) / 3;
    const std = Math.sqrt(p.reduce((s, v) => s + (v - mean) ** 2, 0) / 3);
    expect(disagreement(members, diff)).toBeCloseTo(std, 12);
    expect(disagreement([members[0]!, members[0]!], diff)).toBe(0);
  });

  it('members agree where consistent labels pin the reward and disagree where labels conflict', () => {
    // Feature 0: 30 consistent labels (first better). Feature 1: 6 labels, half each way.
    // Feature 2: no labels at all.
    const labeled = [
      ...Array.from({ length: 30 }, () => pairOn([1, 0, 0], 1)),
      ...Array.from({ length: 3 }, () => pairOn([0, 1, 0], 1)),
      ...Array.from({ length: 3 }, () => pairOn([0, 1, 0], 0)),
    ];
    const members = fitBootstrapEnsemble(labeled, new Float64Array(3), { size: 8, steps: 60, lr: 0.05, l2: 1e-3 }, makeRng(4));
    expect(members).toHaveLength(8);
    const onConflict = disagreement(members, Float64Array.from([0, 1, 0]));
    const onUnlabeled = disagreement(members, Float64Array.from([0, 0, 1]));
    const onSettled = disagreement(members, Float64Array.from([1, 0, 0]));
    expect(onUnlabeled).toBe(0); // no data, no gradient: every member keeps x0 there
    expect(onConflict).toBeGreaterThan(0.02);
    expect(onConflict).toBeGreaterThan(onSettled);
    // Every member learned that feature 0 is good.
    for (const x of members) expect(x[0]!).toBeGreaterThan(0.5);
  });

  it('with no labels every member is the starting point', () => {
    const x0 = Float64Array.from([0.3, -0.2]);
    for (const m of fitBootstrapEnsemble([], x0, { size: 3, steps: 10, lr: 0.1, l2: 0 }, makeRng(1))) expect(Array.from(m)).toEqual(Array.from(x0));
  });

  it('topByScore returns the best indices first, ties in candidate order', () => {
    expect(topByScore([0.1, 0.5, 0.3, 0.5], 3)).toEqual([1, 3, 2]);
    expect(topByScore([0.2], 5)).toEqual([0]);
  });
});

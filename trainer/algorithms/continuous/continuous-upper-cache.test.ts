import { describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng';
import { makeReferenceUpperLevel, upperBenchInput } from '../../cli/bench-continuous-upper';
import { ExplorationTerm } from './exploration-term';
import { makeContinuousUpperLevel } from './learner';
import { DEFAULT_CONTINUOUS_SCHEDULE } from './run-config';
import { explorationRowsFor } from './upper-level';

/**
 * The upper levels pack their labels and exploration rows once per level and look the
 * exploration half up where it was computed at the same weights (exploration-term.ts). That must
 * not change a single bit: each level here runs beside the path before the cache (the bench's
 * reference) from the same weights on the same inputs, and every reward weight must match.
 */
const bits = (a: Float32Array) => Array.from(new Int32Array(a.buffer, a.byteOffset, a.length));

describe('continuous upper levels: the packed, cached path is bit-identical to the reference', () => {
  const cases = [
    ['sobirl', {}], ['sobirl', { gradient: 'one-step' as const }], ['stoc-sobirl', {}],
  ] as const;
  for (const [algorithm, overrides] of cases) {
    it(`${algorithm} ${JSON.stringify(overrides)}: two upper levels, every weight equal`, async () => {
      const { env, input } = await upperBenchInput('pendulum', 120, 2);
      const upper = { ...DEFAULT_CONTINUOUS_SCHEDULE.upper, upperSteps: 8, hiddenSizes: [32, 32], exploreWarmup: 0, ...overrides };
      const cached = makeContinuousUpperLevel(algorithm, env, { ...DEFAULT_CONTINUOUS_SCHEDULE, upper }, 3)!;
      const reference = makeReferenceUpperLevel(algorithm, env, upper, 3);
      expect(bits(cached.rewardModel.net.params())).toEqual(bits(reference.rewardModel.net.params()));
      // Two levels: Stoc-SoBiRL's second starts from the first's momentum and previous weights.
      for (const rngSeed of [7, 8]) {
        const a = await cached.update(input(rngSeed));
        const b = await reference.update(input(rngSeed));
        expect(a['loss/preference']).toBe(b['loss/preference']);
      }
      const after = bits(cached.rewardModel.net.params());
      expect(after).toEqual(bits(reference.rewardModel.net.params()));
      // The levels did move the weights (the comparison is not between two untouched nets).
      expect(after).not.toEqual(bits(makeReferenceUpperLevel(algorithm, env, upper, 3).rewardModel.net.params()));
    });
  }

  it('the exploration term computes once per weight vector and returns the same bits on a lookup', async () => {
    const { input, model } = await upperBenchInput('pendulum', 40, 4);
    const one = input(1);
    const config = { ...DEFAULT_CONTINUOUS_SCHEDULE.upper, exploreWarmup: 0 };
    const rows = explorationRowsFor(one, config)!;
    expect(rows.count).toBeGreaterThan(0);
    const term = new ExplorationTerm(model, rows, one.fresh!, one.tau, true);
    const x0 = model.net.params().slice();
    const first = term.gradient();
    expect(bits(term.gradient())).toEqual(bits(first));
    expect(term.evaluations).toBe(1);
    // Other weights: computed anew, and different.
    const noise = makeRng(5);
    const x1 = Float32Array.from(x0, (v) => v + 0.01 * noise.normal());
    model.net.setParams(x1);
    const moved = term.gradient();
    expect(term.evaluations).toBe(2);
    expect(bits(moved)).not.toEqual(bits(first));
    // Back at x0: a lookup, equal to a fresh term's computation there.
    model.net.setParams(x0);
    expect(bits(term.gradient())).toEqual(bits(first));
    expect(term.evaluations).toBe(2);
    expect(bits(new ExplorationTerm(model, rows, one.fresh!, one.tau, true).gradient())).toEqual(bits(first));
  });
});

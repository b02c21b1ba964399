import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { ENVS } from './index';
import type { AnyEnv } from './types';

/**
 * What every tabular env promises the exact solvers, beyond the shared env contract
 * (envs.test.ts): P is a distribution per (s, a) and is what `step` samples, the true reward
 * table is what `step` pays, the index maps are inverse, `reset` is uniform over the states
 * (start.ts relies on that for `--start uniform`), and `farStart` is a state.
 */
const tabularEnvs = Object.values(ENVS).filter((env) => env.tabular).map((env) => [env.id, env] as const);

describe.each(tabularEnvs)('tabular env: %s', (_id, env: AnyEnv) => {
  const tab = env.tabular!;
  const { numStates: S, numActions: A, transitions, trueReward } = tab.model;

  it('has rows of P that are distributions (non-negative, summing to 1)', () => {
    expect(A).toBe(env.actionNames.length);
    expect(transitions.length).toBe(S * A * S);
    for (let sa = 0; sa < S * A; sa++) {
      let total = 0;
      for (let n = 0; n < S; n++) {
        expect(transitions[sa * S + n]).toBeGreaterThanOrEqual(0);
        total += transitions[sa * S + n]!;
      }
      expect(Math.abs(total - 1)).toBeLessThan(1e-12);
    }
  });

  it('maps states to indices and back, and observes a one-hot of the index', () => {
    for (let i = 0; i < S; i++) {
      const state = tab.stateFromIndex(i);
      expect(tab.stateIndex(JSON.parse(JSON.stringify(state)))).toBe(i);
      const o = env.observe(state);
      expect(o.length).toBe(env.observationSize);
      expect(o.reduce((x, y) => x + y, 0)).toBe(1);
      expect(o[i]).toBe(1);
    }
    expect(Number.isInteger(tab.farStart) && tab.farStart >= 0 && tab.farStart < S).toBe(true);
  });

  it('pays the true reward table and samples next states with the frequencies in P (chi-square)', () => {
    const rng = makeRng(77);
    const draws = 300;
    let chi2 = 0, df = 0;
    for (let s = 0; s < S; s++) {
      const state = tab.stateFromIndex(s);
      for (let a = 0; a < A; a++) {
        const counts = new Array<number>(S).fill(0);
        for (let i = 0; i < draws; i++) {
          const out = env.step(state, a, rng);
          expect(out.reward).toBe(trueReward[s * A + a]);
          counts[tab.stateIndex(out.state)]!++;
        }
        let support = 0;
        for (let n = 0; n < S; n++) {
          const expected = draws * transitions[(s * A + a) * S + n]!;
          if (expected === 0) { expect(counts[n]).toBe(0); continue; }
          support++;
          chi2 += (counts[n]! - expected) ** 2 / expected;
        }
        df += support - 1;
      }
    }
    // chi2 ~ chi-square(df) under the null: mean df, sd sqrt(2 df); 4 sd is p ~ 1e-4.
    expect(df).toBeGreaterThan(2);
    expect(chi2).toBeLessThan(df + 4 * Math.sqrt(2 * df) + 4);
  });

  it('resets uniformly over the states (chi-square)', () => {
    const rng = makeRng(5);
    const draws = 400 * S;
    const counts = new Array<number>(S).fill(0);
    for (let i = 0; i < draws; i++) counts[tab.stateIndex(env.reset(rng))]!++;
    const expected = draws / S;
    const chi2 = counts.reduce((t, c) => t + (c - expected) ** 2 / expected, 0);
    const df = S - 1;
    expect(chi2).toBeLessThan(df + 4 * Math.sqrt(2 * df) + 4);
  });
});

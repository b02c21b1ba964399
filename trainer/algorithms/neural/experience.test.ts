import { describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng';
import { mountaincar } from '../../envs/mountaincar';
import { ExperienceCollector, type BatchPolicy } from './experience';

/** A fixed policy that is not uniform, so the behaviour probabilities can be checked by hand. */
const PI = [0.5, 0.2, 0.3];
const fixedPolicy: BatchPolicy = (_obs, n) => {
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) out.set(PI, i * 3);
  return out;
};

describe('ExperienceCollector action persistence (temporally extended exploration)', () => {
  it('without persistence draws exactly as before: the default and 0 give the same transitions', () => {
    const a = new ExperienceCollector(mountaincar, 3, makeRng(7)).collect(fixedPolicy, 300);
    const b = new ExperienceCollector(mountaincar, 3, makeRng(7), 0).collect(fixedPolicy, 300);
    expect(b.map((t) => t.action)).toEqual(a.map((t) => t.action));
    for (const t of a) expect(t.logProb).toBeCloseTo(Math.log(PI[t.action]!), 6);
  });

  it('repeats the previous action with probability rho + (1 - rho) pi(prev), and stores that behaviour probability', () => {
    const rho = 0.8;
    const steps = new ExperienceCollector(mountaincar, 4, makeRng(11), rho).collect(fixedPolicy, 40_000);
    const prevOf = new Map<number, number>();
    const repeats = [0, 0, 0], counts = [0, 0, 0];
    for (const t of steps) {
      const prev = prevOf.get(t.episode);
      if (prev === undefined) {
        expect(t.logProb).toBeCloseTo(Math.log(PI[t.action]!), 6); // an episode's first step is pi's
      } else {
        const p = (t.action === prev ? rho : 0) + (1 - rho) * PI[t.action]!;
        expect(t.logProb).toBeCloseTo(Math.log(p), 6);
        counts[prev]!++;
        if (t.action === prev) repeats[prev]!++;
      }
      prevOf.set(t.episode, t.action);
    }
    // P(repeat | prev = a) = rho + (1 - rho) pi(a), within 4.5 binomial standard deviations.
    for (let a = 0; a < 3; a++) {
      const p = rho + (1 - rho) * PI[a]!, n = counts[a]!;
      expect(Math.abs(repeats[a]! / n - p)).toBeLessThan(4.5 * Math.sqrt((p * (1 - p)) / n));
    }
  });

  it('refuses a persistence outside [0, 1)', () => {
    expect(() => new ExperienceCollector(mountaincar, 1, makeRng(0), 1)).toThrow(/persistence must be in \[0, 1\), got 1/);
    expect(() => new ExperienceCollector(mountaincar, 1, makeRng(0), -0.1)).toThrow(/persistence/);
  });
});

import { describe, expect, it } from 'vitest';
import { makeRng } from './rng';

describe('makeRng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = makeRng(42), b = makeRng(42), c = makeRng(43);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
  });

  it('draws uniform numbers in [0, 1) with the right mean and variance', () => {
    const rng = makeRng(7), n = 100_000;
    let sum = 0, sq = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u; sq += u * u;
    }
    const mean = sum / n, variance = sq / n - mean * mean;
    // Standard error of the mean is sqrt(1/12 / n) ~ 0.0009: 5 SE tolerance.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.003);
  });

  it('draws categorical indices with the given frequencies', () => {
    const rng = makeRng(3), p = [0.1, 0.6, 0.3], counts = [0, 0, 0], n = 60_000;
    for (let i = 0; i < n; i++) counts[rng.categorical(p)]!++;
    p.forEach((pi, i) => {
      const se = Math.sqrt((pi * (1 - pi)) / n);
      expect(Math.abs(counts[i]! / n - pi)).toBeLessThan(5 * se);
    });
  });

  it('draws standard normals', () => {
    const rng = makeRng(11), n = 50_000;
    let sum = 0, sq = 0;
    for (let i = 0; i < n; i++) { const z = rng.normal(); sum += z; sq += z * z; }
    expect(Math.abs(sum / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.03);
  });

  it('rejects bad arguments with clear errors', () => {
    expect(() => makeRng(Number.NaN)).toThrow(/finite/);
    expect(() => makeRng(1).int(0)).toThrow(/n > 0/);
    expect(() => makeRng(1).categorical([0, 0])).toThrow(/positive/);
  });
});

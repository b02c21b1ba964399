import { describe, expect, it } from 'vitest';
import { sampleCheckpoints } from './neuralSeries';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('sampleCheckpoints', () => {
  it('keeps every row while they fit', () => {
    expect(sampleCheckpoints(range(5), 20)).toEqual(range(5));
    expect(sampleCheckpoints(range(20), 20)).toEqual(range(20));
  });

  it('at most max rows, the first and the newest always, evenly strided in between', () => {
    for (const n of [21, 22, 39, 40, 41, 45, 100, 1000, 20_000]) {
      const picked = sampleCheckpoints(range(n), 20);
      expect(picked.length).toBeLessThanOrEqual(20);
      expect(picked.length).toBeGreaterThanOrEqual(10); // a power-of-two stride wastes at most half the budget
      expect(picked[0]).toBe(0);
      expect(picked.at(-1)).toBe(n - 1);
      const gaps = new Set(picked.slice(1, -1).map((v, i) => v - picked[i]!));
      expect(gaps.size).toBe(1); // one stride (the last gap, to the newest, may be shorter)
    }
  });

  it('is stable as the run grows: besides the new newest row, only rows the previous sample held', () => {
    // Brute force over growth: picked(n) minus its newest row is a subset of picked(n - 1), so a
    // refresh after a new checkpoint scores that checkpoint only (the others are cached).
    let previous = new Set<number>();
    for (let n = 1; n <= 600; n++) {
      const picked = sampleCheckpoints(range(n), 20);
      for (const v of picked.slice(0, -1)) expect(previous.has(v)).toBe(true);
      previous = new Set(picked);
    }
  });
});

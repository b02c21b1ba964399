import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { grid5, GRID5_GOAL, GRID5_PIT } from './grid5';

const S = 25, A = 4;
const model = grid5.tabular!.model;
const P = (s: number, a: number, next: number) => model.transitions[(s * A + a) * S + next]!;

/** Where move m (up, down, left, right) takes you from (row, col), computed from coordinates. */
function moveFrom(row: number, col: number, m: number): number {
  const [dr, dc] = [[-1, 0], [1, 0], [0, -1], [0, 1]][m]!;
  const r = row + dr!, c = col + dc!;
  return r >= 0 && r < 5 && c >= 0 && c < 5 ? r * 5 + c : row * 5 + col;
}

describe('grid5 model', () => {
  it('has 25 states, 4 actions and rows of P that sum to 1', () => {
    expect(model.numStates).toBe(S);
    expect(model.numActions).toBe(A);
    for (let s = 0; s < S; s++) {
      for (let a = 0; a < A; a++) {
        let total = 0;
        for (let n = 0; n < S; n++) {
          expect(P(s, a, n)).toBeGreaterThanOrEqual(0);
          total += P(s, a, n);
        }
        expect(total).toBeCloseTo(1, 12);
      }
    }
  });

  it('moves as intended with 0.9 and each other way with 0.1/3; walls keep you in place', () => {
    for (let s = 0; s < S; s++) {
      const row = Math.floor(s / 5), col = s % 5;
      for (let a = 0; a < A; a++) {
        // Build the expected row by brute force over the four moves.
        const want = new Array<number>(S).fill(0);
        for (let m = 0; m < A; m++) want[moveFrom(row, col, m)]! += m === a ? 0.9 : 0.1 / 3;
        for (let n = 0; n < S; n++) expect(P(s, a, n)).toBeCloseTo(want[n]!, 12);
      }
    }
    // Spot checks a reader can verify by eye: top-left corner, action up.
    expect(P(0, 0, 0)).toBeCloseTo(0.9 + 0.1 / 3, 12); // up and left both bump into walls
    expect(P(0, 0, 5)).toBeCloseTo(0.1 / 3, 12); // slip down
    expect(P(0, 0, 1)).toBeCloseTo(0.1 / 3, 12); // slip right
    // Interior cell (1,1) = 6, action right: 0.9 to (1,2) = 7.
    expect(P(6, 3, 7)).toBeCloseTo(0.9, 12);
  });

  it('pays +1 in the bottom-right cell, -1 in the centre, 0 elsewhere, for every action', () => {
    expect(GRID5_GOAL).toBe(24);
    expect(GRID5_PIT).toBe(12);
    for (let s = 0; s < S; s++) {
      for (let a = 0; a < A; a++) {
        const want = s === 24 ? 1 : s === 12 ? -1 : 0;
        expect(model.trueReward[s * A + a]).toBe(want);
        const out = grid5.step(grid5.tabular!.stateFromIndex(s), a, makeRng(s * A + a));
        expect(out.reward).toBe(want);
        expect(out.done).toBe(false);
      }
    }
  });

  it('step samples next states with the frequencies in P (chi-square over all 100 rows)', () => {
    const rng = makeRng(2024);
    const draws = 1500;
    let chi2 = 0, df = 0;
    for (let s = 0; s < S; s++) {
      const state = grid5.tabular!.stateFromIndex(s);
      for (let a = 0; a < A; a++) {
        const counts = new Array<number>(S).fill(0);
        for (let i = 0; i < draws; i++) counts[grid5.tabular!.stateIndex(grid5.step(state, a, rng).state)]!++;
        let support = 0;
        for (let n = 0; n < S; n++) {
          const expected = draws * P(s, a, n);
          if (expected === 0) {
            expect(counts[n]).toBe(0); // never lands where P says it cannot
            continue;
          }
          support++;
          chi2 += (counts[n]! - expected) ** 2 / expected;
        }
        df += support - 1;
      }
    }
    // Under the null chi2 ~ chi-square(df), mean df and sd sqrt(2 df); 4 sd is p ~ 1e-4.
    // A slip of 0.15 instead of 0.1 would add ~40 per row, ~4,000 in all, and fail.
    expect(df).toBeGreaterThan(200);
    expect(chi2).toBeLessThan(df + 4 * Math.sqrt(2 * df));
    expect(chi2).toBeGreaterThan(df - 4 * Math.sqrt(2 * df)); // too good a fit means not random
  });

  it('indexes states row-major from the top-left, and observes a one-hot', () => {
    const { stateIndex, stateFromIndex } = grid5.tabular!;
    for (let i = 0; i < S; i++) {
      expect(stateIndex(stateFromIndex(i))).toBe(i);
      const o = grid5.observe(stateFromIndex(i));
      expect(o.reduce((x, y) => x + y, 0)).toBe(1);
      expect(o[i]).toBe(1);
    }
    expect(stateFromIndex(24)).toEqual({ row: 4, col: 4 });
  });
});

import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { luFactor, luSolve, SingularMatrixError, solveLinear } from './linear-solve';

function matmul(a: Float64Array, x: Float64Array, m: number, k: number): Float64Array {
  const out = new Float64Array(m * k);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) for (let c = 0; c < k; c++) out[i * k + c] = out[i * k + c]! + a[i * m + j]! * x[j * k + c]!;
  return out;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

describe('dense LU solver', () => {
  it('recovers a known solution of random systems with several right-hand sides', () => {
    const rng = makeRng(11);
    for (const m of [1, 2, 7, 40]) {
      const a = Float64Array.from({ length: m * m }, () => rng.normal());
      const xTrue = Float64Array.from({ length: m * 3 }, () => rng.normal());
      const x = solveLinear(a, m, matmul(a, xTrue, m, 3), 3);
      expect(maxDiff(x, xTrue)).toBeLessThan(1e-9);
    }
  });

  it('pivots: a zero on the diagonal is no problem', () => {
    // [[0, 1], [1, 0]] x = [2, 3]  ->  x = [3, 2]; without row exchanges this divides by zero.
    const x = solveLinear(Float64Array.from([0, 1, 1, 0]), 2, Float64Array.from([2, 3]));
    expect(Array.from(x)).toEqual([3, 2]);
  });

  it('refuses a singular matrix with a clear error', () => {
    expect(() => luFactor(Float64Array.from([1, 2, 2, 4]), 2)).toThrow(SingularMatrixError);
  });

  it('factorises once and solves again with the same factors', () => {
    const rng = makeRng(3);
    const m = 5;
    const a = Float64Array.from({ length: m * m }, () => rng.normal());
    const lu = luFactor(a, m);
    for (let t = 0; t < 3; t++) {
      const b = Float64Array.from({ length: m }, () => rng.normal());
      expect(maxDiff(matmul(a, luSolve(lu, b), m, 1), b)).toBeLessThan(1e-10);
    }
  });

  it('handles S = 1,000 (I - gamma P^pi style) in seconds', () => {
    const rng = makeRng(5);
    const m = 1000;
    const a = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      a[i * m + i] = 1;
      for (let k = 0; k < 5; k++) { const j = i * m + rng.int(m); a[j] = a[j]! - 0.9 / 5; }
    }
    const xTrue = Float64Array.from({ length: m }, () => rng.normal());
    const t0 = performance.now();
    const x = solveLinear(a, m, matmul(a, xTrue, m, 1));
    const ms = performance.now() - t0;
    console.log(`LU solve S=1000: ${ms.toFixed(0)} ms`);
    expect(maxDiff(x, xTrue)).toBeLessThan(1e-9);
    expect(ms).toBeLessThan(8000); // ~0.5 s on an idle core; generous for a shared 2-core machine
  });
});

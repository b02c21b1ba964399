/**
 * Dense linear systems A X = B by LU decomposition with partial (row) pivoting.
 * Matrices are row-major Float64Arrays: A[i * m + j]; B and X are m x k, B[i * k + c].
 *
 * Sized for the tabular solver: S = 1,000 factorises in well under a second. The elimination
 * loop runs over contiguous rows (row i -= l_ij * row j) so V8 keeps it in a tight typed-array loop.
 */

export interface LuFactors {
  /** L (unit lower, below the diagonal) and U (upper, on and above it) packed in one m x m array. */
  lu: Float64Array;
  /** perm[i] = the row of the original A that ended up in row i. */
  perm: Int32Array;
  m: number;
}

export class SingularMatrixError extends Error {}

/** Factorise P A = L U. Does not modify `a`. Throws SingularMatrixError on a (numerically) zero pivot. */
export function luFactor(a: Float64Array, m: number): LuFactors {
  if (a.length !== m * m) throw new Error(`luFactor: matrix has ${a.length} entries, expected ${m} x ${m}`);
  const lu = new Float64Array(a);
  const perm = new Int32Array(m);
  for (let i = 0; i < m; i++) perm[i] = i;
  let scale = 0;
  for (let i = 0; i < lu.length; i++) scale = Math.max(scale, Math.abs(lu[i]!));
  // A pivot this small relative to the matrix means the system has no reliable solution.
  const tiny = scale * m * 1e-15;

  for (let k = 0; k < m; k++) {
    let pivotRow = k;
    let pivotAbs = Math.abs(lu[k * m + k]!);
    for (let i = k + 1; i < m; i++) {
      const v = Math.abs(lu[i * m + k]!);
      if (v > pivotAbs) { pivotAbs = v; pivotRow = i; }
    }
    if (!(pivotAbs > tiny)) throw new SingularMatrixError(`luFactor: matrix is singular (pivot ${pivotAbs} in column ${k})`);
    if (pivotRow !== k) {
      for (let j = 0; j < m; j++) {
        const t = lu[k * m + j]!;
        lu[k * m + j] = lu[pivotRow * m + j]!;
        lu[pivotRow * m + j] = t;
      }
      const t = perm[k]!; perm[k] = perm[pivotRow]!; perm[pivotRow] = t;
    }
    const pivot = lu[k * m + k]!;
    const rowK = k * m;
    for (let i = k + 1; i < m; i++) {
      const rowI = i * m;
      const factor = lu[rowI + k]! / pivot;
      lu[rowI + k] = factor;
      if (factor === 0) continue;
      for (let j = k + 1; j < m; j++) lu[rowI + j] = lu[rowI + j]! - factor * lu[rowK + j]!;
    }
  }
  return { lu, perm, m };
}

/** Solve A X = B for k right-hand sides (B is m x k, row-major) with the factors of A. */
export function luSolve({ lu, perm, m }: LuFactors, b: Float64Array, k = 1): Float64Array {
  if (b.length !== m * k) throw new Error(`luSolve: right-hand side has ${b.length} entries, expected ${m} x ${k}`);
  const x = new Float64Array(m * k);
  for (let i = 0; i < m; i++) x.set(b.subarray(perm[i]! * k, perm[i]! * k + k), i * k);
  // Forward substitution with unit-lower L.
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < i; j++) {
      const l = lu[i * m + j]!;
      if (l === 0) continue;
      for (let c = 0; c < k; c++) x[i * k + c] = x[i * k + c]! - l * x[j * k + c]!;
    }
  }
  // Back substitution with U.
  for (let i = m - 1; i >= 0; i--) {
    for (let j = i + 1; j < m; j++) {
      const u = lu[i * m + j]!;
      if (u === 0) continue;
      for (let c = 0; c < k; c++) x[i * k + c] = x[i * k + c]! - u * x[j * k + c]!;
    }
    const d = lu[i * m + i]!;
    for (let c = 0; c < k; c++) x[i * k + c] = x[i * k + c]! / d;
  }
  return x;
}

/** Solve A X = B (A m x m, B m x k) in one call. */
export function solveLinear(a: Float64Array, m: number, b: Float64Array, k = 1): Float64Array {
  return luSolve(luFactor(a, m), b, k);
}

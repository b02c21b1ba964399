/**
 * Inter-annotator agreement on nominal labels: pure functions over plain values.
 * A missing value (null) is an annotator who did not label that unit, or said 'cant_tell'.
 */

export type Category = string;

/** Counts of each value in a list. */
function counts(values: readonly Category[]): Map<Category, number> {
  const out = new Map<Category, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1);
  return out;
}

export interface KappaResult {
  /** Units both annotators labeled (non-missing). */
  n: number;
  observed: number;
  expected: number;
  /** null when undefined: no shared units, or chance agreement is 1 (both always said the same one thing). */
  kappa: number | null;
}

/**
 * Cohen's kappa for two annotators over the units both labeled:
 *   p_o = share of shared units with the same value,
 *   p_e = sum over values k of (share of A's labels that are k) * (share of B's that are k),
 *   kappa = (p_o - p_e) / (1 - p_e).
 * `a[i]` and `b[i]` label the same unit i; null is missing.
 */
export function cohensKappa(a: ReadonlyArray<Category | null>, b: ReadonlyArray<Category | null>): KappaResult {
  if (a.length !== b.length) throw new Error(`cohensKappa: ${a.length} labels from A but ${b.length} from B; pass one entry per unit to both`);
  const pa: Category[] = [];
  const pb: Category[] = [];
  a.forEach((va, i) => {
    const vb = b[i];
    if (va !== null && vb !== null && vb !== undefined) {
      pa.push(va);
      pb.push(vb);
    }
  });
  const n = pa.length;
  if (n === 0) return { n, observed: NaN, expected: NaN, kappa: null };
  const observed = pa.filter((v, i) => v === pb[i]).length / n;
  const ca = counts(pa);
  const cb = counts(pb);
  let expected = 0;
  for (const [k, na] of ca) expected += (na / n) * ((cb.get(k) ?? 0) / n);
  const kappa = expected === 1 ? null : (observed - expected) / (1 - expected);
  return { n, observed, expected, kappa };
}

export interface AlphaResult {
  /** Units with at least two values (the only ones that can show (dis)agreement). */
  units: number;
  /** Pairable values: the values in those units. */
  values: number;
  /** Observed and expected disagreement (nominal metric). */
  observedDisagreement: number;
  expectedDisagreement: number;
  /** null when undefined: fewer than two pairable values, or only one value ever used. */
  alpha: number | null;
}

/**
 * Krippendorff's alpha, nominal metric, any number of annotators, missing values allowed
 * (Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011). `units[u]` lists the
 * values given to unit u (one entry per annotator; null = missing).
 *   Coincidences: each unit with m_u >= 2 values adds, for every ordered pair of its values
 *   (i != j), 1/(m_u - 1) to o[v_i][v_j].  n_c = sum_k o[c][k];  n = sum_c n_c.
 *   D_o = (1/n) sum_{c != k} o[c][k];  D_e = 1/(n(n-1)) sum_{c != k} n_c n_k;  alpha = 1 - D_o/D_e.
 */
export function krippendorffAlphaNominal(units: ReadonlyArray<ReadonlyArray<Category | null>>): AlphaResult {
  let disagreeing = 0; // sum over c != k of o[c][k]
  const marginals = new Map<Category, number>(); // n_c
  let unitCount = 0;
  for (const unit of units) {
    const values = unit.filter((v): v is Category => v !== null);
    const m = values.length;
    if (m < 2) continue;
    unitCount++;
    const unitCounts = counts(values);
    // Ordered pairs of different values in this unit: m^2 - sum of squared counts.
    let same = 0;
    for (const c of unitCounts.values()) same += c * c;
    disagreeing += (m * m - same) / (m - 1);
    // Each value's row of the coincidence matrix sums to 1 (m - 1 partners, each 1/(m-1)).
    for (const [v, c] of unitCounts) marginals.set(v, (marginals.get(v) ?? 0) + c);
  }
  let n = 0;
  let squares = 0;
  for (const nc of marginals.values()) {
    n += nc;
    squares += nc * nc;
  }
  const expectedPairs = n * n - squares; // sum over c != k of n_c n_k
  const observedDisagreement = n > 0 ? disagreeing / n : NaN;
  const expectedDisagreement = n > 1 ? expectedPairs / (n * (n - 1)) : NaN;
  const alpha = n < 2 || expectedPairs === 0 ? null : 1 - observedDisagreement / expectedDisagreement;
  return { units: unitCount, values: n, observedDisagreement, expectedDisagreement, alpha };
}

/** The single most frequent value, or null on a tie or an empty list. */
export function strictMajority(values: readonly Category[]): Category | null {
  let best: Category | null = null;
  let bestCount = 0;
  let tied = false;
  for (const [v, c] of counts(values)) {
    if (c > bestCount) {
      best = v;
      bestCount = c;
      tied = false;
    } else if (c === bestCount) tied = true;
  }
  return tied ? null : best;
}

/** Median of a non-empty list (mean of the middle two for an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

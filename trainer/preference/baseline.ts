/**
 * Batch-mean baseline for the score-function terms. Sample m must not be its own baseline (that
 * would shrink the mean by 1 - 1/M), so b is the mean of the others: (l_m - b_m) = M/(M-1) *
 * (l_m - mean), i.e. the batch mean with the factor `scale`.
 */
export function meanLossBaseline(losses: readonly number[], enabled: boolean): { b: number; scale: number } {
  if (!enabled || losses.length < 2) return { b: 0, scale: 1 };
  return { b: losses.reduce((s, l) => s + l, 0) / losses.length, scale: losses.length / (losses.length - 1) };
}

/**
 * Series the run page charts that the trainer does not write, as pure functions of plain data
 * (the router reads the rows; tests pass hand-made ones). Every series is indexed by checkpoint
 * iteration, like the trainer's metrics, so runs overlay on one x axis.
 *
 * - labels/per_hour: labels answered between checkpoint k-1 and checkpoint k (answered_at in
 *   (t_{k-1}, t_k]), divided by the hours between the two commits. The annotators' pace over
 *   that iteration; no point for the first checkpoint (nothing before it to measure from).
 * - accuracy/heldout: for checkpoint k, the labels it had NOT trained on (label id above its
 *   label_watermark) with a strict preference (y = 1 or 0; "equal" has no right answer under a
 *   sign test): the share where the checkpoint's learned segment return ranks the two clips as
 *   the annotator did. A tie in learned return scores 1/2. No point when no such label exists
 *   yet (the newest checkpoint, until new labels arrive).
 * - correlation/segment_return: Pearson correlation, over one fixed set of segments (the clips
 *   of the run's labeled pairs), of each checkpoint's learned segment return sum_h r_x(s_h, a_h)
 *   with the true one sum_h r(s_h, a_h). One fixed set makes the points comparable across
 *   iterations. No point with fewer than 3 segments or when either side has no variance.
 * - return/learned: the expected discounted return of the checkpoint's policy under its own
 *   learned reward (the trainer's return/true is the same policy under the true reward).
 *
 * Tabular runs index a learned reward TABLE by state-action; neural runs (neuralSeries.ts) pass
 * one learned return per labeled clip and one-element index lists, so the sums below are the
 * same segment returns. Neural runs have no return/learned (it needs the env's model).
 */

export const DERIVED_SERIES = ['labels/per_hour', 'accuracy/heldout', 'correlation/segment_return', 'return/learned'] as const;
export type DerivedSeriesName = (typeof DERIVED_SERIES)[number];

export interface SeriesPoint {
  iteration: number;
  value: number;
}

export interface CheckpointTiming {
  iteration: number;
  createdAt: number;
}

const HOUR_MS = 3_600_000;

export function labelsPerHour(checkpoints: readonly CheckpointTiming[], answeredAt: readonly number[]): SeriesPoint[] {
  const ordered = [...checkpoints].sort((a, b) => a.iteration - b.iteration);
  const times = [...answeredAt].sort((a, b) => a - b);
  const points: SeriesPoint[] = [];
  for (let k = 1; k < ordered.length; k++) {
    const from = ordered[k - 1]!.createdAt, to = ordered[k]!.createdAt;
    if (to <= from) continue; // clock skew or same-millisecond commits: no rate to report
    const count = countIn(times, from, to);
    points.push({ iteration: ordered[k]!.iteration, value: count / ((to - from) / HOUR_MS) });
  }
  return points;
}

/** Entries of sorted `times` in (from, to], by binary search. */
function countIn(times: readonly number[], from: number, to: number): number {
  return upperBound(times, to) - upperBound(times, from);
}

function upperBound(times: readonly number[], value: number): number {
  let lo = 0, hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A labeled pair as state-action index sequences (the learned return is a sum over them). */
export interface IndexedLabel {
  labelId: number;
  /** P(first preferred): 1, 0 or 0.5. */
  y: number;
  first: readonly number[];
  second: readonly number[];
}

/** A checkpoint with its learned reward table r[s * A + a] (null when its blob did not decode). */
export interface CheckpointReward {
  iteration: number;
  labelWatermark: number;
  reward: Float64Array | null;
}

function segmentReturn(reward: Float64Array, indices: readonly number[]): number {
  let total = 0;
  for (const sa of indices) total += reward[sa]!;
  return total;
}

export function heldOutAccuracy(checkpoints: readonly CheckpointReward[], labels: readonly IndexedLabel[]): SeriesPoint[] {
  const strict = labels.filter((l) => l.y === 1 || l.y === 0);
  const points: SeriesPoint[] = [];
  for (const c of checkpoints) {
    if (!c.reward) continue;
    let scored = 0, correct = 0;
    for (const l of strict) {
      if (l.labelId <= c.labelWatermark) continue;
      const delta = segmentReturn(c.reward, l.first) - segmentReturn(c.reward, l.second);
      scored += 1;
      correct += delta === 0 ? 0.5 : (delta > 0) === (l.y === 1) ? 1 : 0;
    }
    if (scored > 0) points.push({ iteration: c.iteration, value: correct / scored });
  }
  return points.sort((a, b) => a.iteration - b.iteration);
}

/** Pearson's r, or null with fewer than 3 points or a constant side. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  const n = Math.min(xs.length, ys.length);
  if (n < 3) return null;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx, dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // Relative tolerance: a learned reward that is constant up to rounding has no direction.
  if (sxx <= 1e-24 * n || syy <= 1e-24 * n) return null;
  return sxy / Math.sqrt(sxx * syy);
}

export function returnCorrelation(
  checkpoints: readonly CheckpointReward[],
  segments: ReadonlyArray<{ indices: readonly number[]; trueReturn: number }>,
): SeriesPoint[] {
  const truth = segments.map((s) => s.trueReturn);
  const points: SeriesPoint[] = [];
  for (const c of checkpoints) {
    if (!c.reward) continue;
    const r = pearson(segments.map((s) => segmentReturn(c.reward!, s.indices)), truth);
    if (r !== null) points.push({ iteration: c.iteration, value: r });
  }
  return points.sort((a, b) => a.iteration - b.iteration);
}

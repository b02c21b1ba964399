/**
 * The learned-reward series of a NEURAL run (cartpole, mountaincar, acrobot), with the same
 * definitions as the tabular ones (derivedSeries.ts) and the same functions computing them.
 * Where a tabular run indexes its learned reward TABLE by state-action, here each labeled clip is
 * one "index" whose value is the checkpoint's learned return of that clip, sum_h r_x(s_h, a_h):
 * a segment is then the one-element list [its clip's position], and heldOutAccuracy /
 * returnCorrelation sum exactly what they sum for tabular runs.
 *
 * Bounded work: a forward pass costs microseconds, not a table lookup, so neural runs are scored
 * on the newest NEURAL_SERIES_LABELS labels (at most twice as many clips) and at most
 * NEURAL_SERIES_CHECKPOINTS checkpoints, spread over the run with the first and the newest included;
 * the page's notes say so when a run has more. Learned returns are cached per (checkpoint, clip)
 * (neuralRewards.ts), so a refresh pays only for new checkpoints and new clips.
 *
 * 'return/learned' is not derived here: evaluating the policy under the learned reward needs the
 * env's transition model (tabular envs only) or rollouts the web server should not run, so the
 * trainer writes it as a metric from its evaluation episodes (the mean of sum_t r_x(s_t, a_t)).
 * metricSeries.ts shows the stored series and says so when a run has none.
 */
import type { Db } from '@/db/client';
import type { CheckpointRow } from './checkpointRewards';
import { heldOutAccuracy, returnCorrelation, type CheckpointReward, type IndexedLabel, type SeriesPoint } from './derivedSeries';
import { labeledPairRows } from './labeledPairs';
import { learnedClipReturns, prepareClip, type NeuralRunContext, type PreparedClip } from './neuralRewards';

/**
 * The budget: labels x 2 clips x H steps x checkpoints x K members forward passes of a few
 * microseconds each (a 64x64 MLP: ~3-8 us here). Measured on the 2 busy shared cores, a cartpole
 * run with 60 checkpoints and 600 labels of 25-step clips: first load ~1.3 s (K = 1) or ~3 s
 * (K = 3), then ~40 ms while nothing is new; only new checkpoints and new clips cost more.
 */
export const NEURAL_SERIES_LABELS = 100;
export const NEURAL_SERIES_CHECKPOINTS = 20;

export const NEURAL_RETURN_LEARNED_NOTE =
  "return/learned of a neural run comes from the trainer's evaluation episodes (sum of the learned reward along them); this run has none stored (evalEpisodes 0, or no iteration yet)";

/**
 * At most `max` of `rows` (oldest first): every stride-th one from the first, stride the smallest
 * power of two that fits, and the newest. Stable as a run grows: a new checkpoint adds itself and,
 * when the stride doubles, leaves a SUBSET of the rows chosen before, so a refresh of the page
 * scores only the new checkpoint (the rest are cached) instead of a fresh, shifted set.
 */
export function sampleCheckpoints<T>(rows: readonly T[], max: number): T[] {
  if (rows.length <= max) return [...rows];
  if (max < 2) return [rows[rows.length - 1]!];
  let stride = 1;
  while (Math.ceil(rows.length / stride) > max - 1) stride *= 2;
  const picked = rows.filter((_, i) => i % stride === 0);
  if ((rows.length - 1) % stride !== 0) picked.push(rows[rows.length - 1]!);
  return picked;
}

export async function neuralLearnedSeries(
  db: Db,
  runId: number,
  ctx: NeuralRunContext,
  rows: readonly CheckpointRow[],
  names: readonly string[],
  notes: string[],
): Promise<Record<string, SeriesPoint[]>> {
  const wantAccuracy = names.includes('accuracy/heldout'), wantCorrelation = names.includes('correlation/segment_return');
  if (!wantAccuracy && !wantCorrelation) return {};

  // Newest labels first; their distinct clips in that order (so the correlation's cap keeps the newest).
  const labeled = await labeledPairRows(db, runId, NEURAL_SERIES_LABELS + 1);
  if (labeled.length > NEURAL_SERIES_LABELS) {
    labeled.length = NEURAL_SERIES_LABELS;
    notes.push(`neural run: held-out accuracy and correlation use the newest ${NEURAL_SERIES_LABELS} labels`);
  }
  const position = new Map<number, number>();
  const prepared: PreparedClip[] = [];
  const unreadable: string[] = [];
  const positionOf = (clip: { id: number; states: unknown[]; actions: number[] }): number | null => {
    const known = position.get(clip.id);
    if (known !== undefined) return known < 0 ? null : known;
    try {
      prepared.push(prepareClip(ctx, clip));
      position.set(clip.id, prepared.length - 1);
      return prepared.length - 1;
    } catch (error) {
      position.set(clip.id, -1);
      unreadable.push((error as Error).message);
      return null;
    }
  };
  const labels: IndexedLabel[] = labeled.flatMap((l) => {
    const first = positionOf(l.a), second = positionOf(l.b);
    return first === null || second === null ? [] : [{ labelId: l.labelId, y: l.y, first: [first], second: [second] }];
  });
  if (unreadable.length > 0) notes.push(`${unreadable.length} labeled clip(s) left out: ${unreadable[0]}`);

  const scored = sampleCheckpoints(rows, NEURAL_SERIES_CHECKPOINTS);
  if (scored.length < rows.length) {
    notes.push(`neural run: held-out accuracy and correlation on ${scored.length} of ${rows.length} checkpoints (spread over the run, the first and the newest included)`);
  }
  const learned = await learnedClipReturns(db, runId, ctx, scored.map((r) => r.id), prepared);
  const withReward: CheckpointReward[] = scored.map((r) => {
    const d = learned.get(r.id);
    if (d && !d.ok) notes.push(d.error);
    return { iteration: r.iteration, labelWatermark: r.labelWatermark, reward: d?.ok ? d.returns : null };
  });

  const out: Record<string, SeriesPoint[]> = {};
  if (wantAccuracy) out['accuracy/heldout'] = heldOutAccuracy(withReward, labels);
  if (wantCorrelation) {
    const segments = prepared.map((clip, i) => ({ indices: [i], trueReturn: clip.trueRewards.reduce((s, r) => s + r, 0) }));
    out['correlation/segment_return'] = returnCorrelation(withReward, segments);
  }
  return out;
}

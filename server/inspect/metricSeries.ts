import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { labels, metrics, pairs, runs, type Run } from '@/db/schema';
import { decodeCheckpoints, listCheckpointRows, tabularContext, type CheckpointRow, type TabularRunContext } from './checkpointRewards';
import {
  DERIVED_SERIES, heldOutAccuracy, labelsPerHour, returnCorrelation,
  type CheckpointReward, type DerivedSeriesName, type IndexedLabel, type SeriesPoint,
} from './derivedSeries';
import { labeledPairRows } from './labeledPairs';
import { neuralContext } from './neuralRewards';
import { NEURAL_RETURN_LEARNED_NOTE, neuralLearnedSeries } from './neuralSeries';
import { clipIndices, sumAt } from './tabularModel';

export interface RunSeries {
  runId: number;
  name: string;
  envId: string;
  algorithm: string;
  /** Metric name -> points by iteration (the trainer's metrics and the derived series). */
  series: Record<string, SeriesPoint[]>;
  /** Why a derived series is missing or partial (an unknown env, an unreadable checkpoint, what neural runs leave out). */
  notes: string[];
}

/** Segments for the correlation: the clips of the run's most recently labeled pairs. */
const CORRELATION_CLIPS = 400;

export async function loadRunSeries(db: Db, run: Run, names?: readonly string[]): Promise<RunSeries> {
  const wanted = (name: string) => !names || names.includes(name);
  const series: Record<string, SeriesPoint[]> = {};
  const rows = await db
    .select({ iteration: metrics.iteration, name: metrics.name, value: metrics.value })
    .from(metrics)
    .where(and(eq(metrics.runId, run.id), names ? inArray(metrics.name, [...names]) : undefined))
    .orderBy(metrics.name, metrics.iteration, metrics.id);
  for (const row of rows) {
    const points = (series[row.name] ??= []);
    // A redone iteration (crash recovery) may have left an older row: the newest one wins.
    if (points.at(-1)?.iteration === row.iteration) points[points.length - 1] = { iteration: row.iteration, value: row.value };
    else points.push({ iteration: row.iteration, value: row.value });
  }

  const notes: string[] = [];
  const derived = DERIVED_SERIES.filter(wanted);
  if (derived.length > 0) {
    const checkpoints = await listCheckpointRows(db, run.id);
    if (wanted('labels/per_hour')) series['labels/per_hour'] = labelsPerHour(checkpoints, await answeredTimes(db, run.id));
    const learned = derived.filter((n): n is Exclude<DerivedSeriesName, 'labels/per_hour'> => n !== 'labels/per_hour');
    if (learned.length > 0) {
      const neural = neuralContext(run);
      const ctx = tabularContext(run);
      if (neural.ok) {
        Object.assign(series, await neuralLearnedSeries(db, run.id, neural.value, checkpoints, learned, notes));
        // The trainer's own 'return/learned' (loaded above with the other metrics), if any.
        if (learned.includes('return/learned') && !series['return/learned']?.length) notes.push(NEURAL_RETURN_LEARNED_NOTE);
      }
      else if (!ctx.ok) notes.push(`learned-reward series need a tabular or neural run: ${ctx.reason}`);
      else Object.assign(series, await learnedSeries(db, run.id, ctx.value, checkpoints, learned, notes));
    }
  }
  return { runId: run.id, name: run.name, envId: run.envId, algorithm: run.algorithm, series, notes };
}

async function answeredTimes(db: Db, runId: number): Promise<number[]> {
  return (await db
    .select({ t: labels.answeredAt })
    .from(labels)
    .innerJoin(pairs, eq(pairs.id, labels.pairId))
    .where(and(eq(pairs.runId, runId), isNull(labels.undoneAt)))
  ).map((r) => r.t);
}

async function learnedSeries(
  db: Db,
  runId: number,
  ctx: TabularRunContext,
  rows: readonly CheckpointRow[],
  names: readonly string[],
  notes: string[],
): Promise<Record<string, SeriesPoint[]>> {
  const decoded = await decodeCheckpoints(db, runId, ctx, rows.map((r) => r.id));
  const withReward: CheckpointReward[] = rows.map((r) => {
    const d = decoded.get(r.id);
    if (d && !d.ok) notes.push(d.error);
    return { iteration: r.iteration, labelWatermark: r.labelWatermark, reward: d?.ok ? d.reward : null };
  });
  const out: Record<string, SeriesPoint[]> = {};
  if (names.includes('return/learned')) {
    out['return/learned'] = rows.flatMap((r) => {
      const d = decoded.get(r.id);
      return d?.ok ? [{ iteration: r.iteration, value: d.learnedReturn }] : [];
    });
  }
  if (names.includes('accuracy/heldout') || names.includes('correlation/segment_return')) {
    const labeled = await labeledPairs(db, runId, ctx);
    if (names.includes('accuracy/heldout')) out['accuracy/heldout'] = heldOutAccuracy(withReward, labeled.labels);
    if (names.includes('correlation/segment_return')) out['correlation/segment_return'] = returnCorrelation(withReward, labeled.segments);
  }
  return out;
}

/** The run's usable labels (live, with a preference) as index sequences, and the distinct labeled clips. */
async function labeledPairs(db: Db, runId: number, ctx: TabularRunContext) {
  const byClip = new Map<number, number[]>();
  const indicesOf = (clip: { id: number; states: unknown[]; actions: number[] }) => {
    let hit = byClip.get(clip.id);
    if (!hit) byClip.set(clip.id, (hit = clipIndices(ctx.shape, clip.states, clip.actions)));
    return hit;
  };
  const indexed: IndexedLabel[] = (await labeledPairRows(db, runId)).map((r) => ({ labelId: r.labelId, y: r.y, first: indicesOf(r.a), second: indicesOf(r.b) }));
  // Newest labels first, so the cap keeps the clips people compared most recently.
  const segments = [...byClip.values()].slice(0, CORRELATION_CLIPS).map((indices) => ({
    indices,
    trueReturn: sumAt(ctx.shape.trueReward, indices),
  }));
  return { labels: indexed, segments };
}

export async function loadRunsSeries(db: Db, runIds: readonly number[], names?: readonly string[]): Promise<RunSeries[]> {
  const found = await db.select().from(runs).where(inArray(runs.id, [...runIds]));
  const byId = new Map(found.map((r) => [r.id, r]));
  const series: RunSeries[] = [];
  for (const id of runIds) {
    const run = byId.get(id);
    if (run) series.push(await loadRunSeries(db, run, names));
  }
  return series;
}

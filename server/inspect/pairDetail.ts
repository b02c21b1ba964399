import { TRPCError } from '@trpc/server';
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { checkpoints, clips, labels, pairs, runs, users, type Clip } from '@/db/schema';
import { getEnv } from '@/trainer/envs';
import { decodeCheckpoints, tabularContext } from './checkpointRewards';
import { clipIndices, perStep, stateLayout } from './tabularModel';

export interface InspectedClip {
  id: number;
  envId: string;
  seed: number;
  states: unknown[];
  actions: number[];
  trueReturn: number | null;
  /** Per step (one per action), for tabular runs with a readable checkpoint; else null. */
  learnedReward: number[] | null;
  trueReward: number[] | null;
}

/** Learned and true reward per state/action, for the tabular heat map. */
export interface RewardHeatmap {
  S: number;
  A: number;
  actionNames: readonly string[];
  rows: number;
  cols: number;
  cells: Array<{ row: number; col: number }>;
  learned: number[];
  true: number[];
}

/**
 * One labeled pair: both clips, the labels it got (annotators by pseudonym), and, for tabular
 * runs, what checkpoint `checkpointId` (default: the run's newest) learned: reward per step of
 * each clip and the whole reward table beside the true one.
 */
export function loadPairDetail(db: Db, pairId: number, checkpointId?: number) {
  const pair = db.select().from(pairs).where(eq(pairs.id, pairId)).get();
  if (!pair) throw new TRPCError({ code: 'NOT_FOUND', message: `pair ${pairId} does not exist` });
  const run = db.select().from(runs).where(eq(runs.id, pair.runId)).get()!;
  const clipRows = db.select().from(clips).where(inArray(clips.id, [pair.clipAId, pair.clipBId])).all();
  const clipA = clipRows.find((c) => c.id === pair.clipAId)!;
  const clipB = clipRows.find((c) => c.id === pair.clipBId)!;
  const labelRows = db
    .select({
      id: labels.id, choice: labels.choice, y: labels.y, annotator: users.pseudonym,
      answeredAt: labels.answeredAt, responseMs: labels.responseMs,
    })
    .from(labels)
    .innerJoin(users, eq(users.id, labels.userId))
    .where(and(eq(labels.pairId, pairId), isNull(labels.undoneAt)))
    .orderBy(labels.id)
    .all();
  const drawnBy = pair.checkpointId === null ? null
    : db.select({ id: checkpoints.id, iteration: checkpoints.iteration }).from(checkpoints).where(eq(checkpoints.id, pair.checkpointId)).get() ?? null;

  const scoring = db
    .select({ id: checkpoints.id, iteration: checkpoints.iteration })
    .from(checkpoints)
    .where(and(eq(checkpoints.runId, run.id), checkpointId === undefined ? undefined : eq(checkpoints.id, checkpointId)))
    .orderBy(desc(checkpoints.iteration))
    .get();
  if (checkpointId !== undefined && !scoring) {
    throw new TRPCError({ code: 'NOT_FOUND', message: `checkpoint ${checkpointId} is not one of run ${run.id}'s` });
  }

  const notes: string[] = [];
  let learnedTable: Float64Array | null = null;
  let heatmap: RewardHeatmap | null = null;
  const ctx = tabularContext(run);
  let trueTable: Float64Array | null = null;
  if (!ctx.ok) notes.push(`no learned reward per step: ${ctx.reason}`);
  else {
    trueTable = ctx.value.shape.trueReward;
    const decoded = scoring ? decodeCheckpoints(db, run.id, ctx.value, [scoring.id]).get(scoring.id) : undefined;
    if (!scoring) notes.push('the run has no checkpoint yet');
    else if (decoded && !decoded.ok) notes.push(decoded.error);
    else if (decoded?.ok) learnedTable = decoded.reward;
    if (learnedTable) {
      const { S, A } = ctx.value.shape;
      heatmap = {
        S, A, actionNames: getEnv(run.envId).actionNames, ...stateLayout(ctx.value.shape),
        learned: [...learnedTable], true: [...trueTable],
      };
    }
  }
  const inspect = (clip: Clip): InspectedClip => {
    const indices = ctx.ok ? safeIndices(() => clipIndices(ctx.value.shape, clip.states, clip.actions), notes) : null;
    return {
      id: clip.id, envId: clip.envId, seed: clip.seed, states: clip.states, actions: clip.actions, trueReturn: clip.trueReturn,
      learnedReward: indices && learnedTable ? perStep(learnedTable, indices) : null,
      trueReward: indices && trueTable ? perStep(trueTable, indices) : null,
    };
  };
  return {
    pair: { id: pair.id, runId: pair.runId, status: pair.status, iteration: pair.iteration, createdAt: pair.createdAt, drawnBy },
    run: { id: run.id, name: run.name, envId: run.envId, algorithm: run.algorithm },
    clipA: inspect(clipA),
    clipB: inspect(clipB),
    labels: labelRows,
    scoredBy: learnedTable && scoring ? scoring : null,
    heatmap,
    notes,
  };
}

function safeIndices(fn: () => number[], notes: string[]): number[] | null {
  try {
    return fn();
  } catch (error) {
    notes.push(`cannot index this clip's states: ${(error as Error).message}`);
    return null;
  }
}

/** The run's most recently labeled pairs, newest label first, with their label counts. */
export function loadRecentPairs(db: Db, runId: number, limit: number) {
  return db
    .select({
      pairId: pairs.id,
      iteration: pairs.iteration,
      labelCount: sql<number>`count(${labels.id})`,
      lastAnsweredAt: sql<number>`max(${labels.answeredAt})`,
      choices: sql<string>`group_concat(${labels.choice}, ',')`,
    })
    .from(labels)
    .innerJoin(pairs, eq(pairs.id, labels.pairId))
    .where(and(eq(pairs.runId, runId), isNull(labels.undoneAt)))
    .groupBy(pairs.id)
    .orderBy(desc(sql`max(${labels.id})`))
    .limit(limit)
    .all()
    .map((r) => ({ ...r, choices: r.choices ? r.choices.split(',') : [] }));
}

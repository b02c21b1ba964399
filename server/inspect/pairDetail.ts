import { TRPCError } from '@trpc/server';
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { checkpoints, clips, labels, pairs, runs, users, type Clip } from '@/db/schema';
import { neuralStepRewards, tabularStepRewards } from './clipStepRewards';
import { neuralContext } from './neuralRewards';
import { commaJoined, firstRow } from '@/db/dialect';
import type { ClipActions } from '@/trainer/contracts/clip-actions';

export type { RewardHeatmap } from './clipStepRewards';

export interface InspectedClip {
  id: number;
  envId: string;
  seed: number;
  states: unknown[];
  actions: ClipActions;
  trueReturn: number | null;
  /** Per step (one per action), from the scoring checkpoint (tabular or neural) when it is readable; else null. */
  learnedReward: number[] | null;
  /** Per step: the tabular env's reward table, or a neural env's reward replayed from the states. */
  trueReward: number[] | null;
}

/**
 * One labeled pair: both clips, the labels it got (annotators by pseudonym), and what checkpoint
 * `checkpointId` (default: the run's newest) learned: reward per step of each clip beside the
 * true one, and for tabular runs the whole reward table (the heat map).
 */
export async function loadPairDetail(db: Db, pairId: number, checkpointId?: number) {
  const pair = await firstRow(db.select().from(pairs).where(eq(pairs.id, pairId)));
  if (!pair) throw new TRPCError({ code: 'NOT_FOUND', message: `pair ${pairId} does not exist` });
  const run = (await firstRow(db.select().from(runs).where(eq(runs.id, pair.runId))))!;
  const clipRows = await db.select().from(clips).where(inArray(clips.id, [pair.clipAId, pair.clipBId]));
  const clipA = clipRows.find((c) => c.id === pair.clipAId)!;
  const clipB = clipRows.find((c) => c.id === pair.clipBId)!;
  const labelRows = await db
    .select({
      id: labels.id, choice: labels.choice, y: labels.y, annotator: users.pseudonym,
      answeredAt: labels.answeredAt, responseMs: labels.responseMs,
    })
    .from(labels)
    .innerJoin(users, eq(users.id, labels.userId))
    .where(and(eq(labels.pairId, pairId), isNull(labels.undoneAt)))
    .orderBy(labels.id);
  const drawnBy = pair.checkpointId === null ? null
    : (await firstRow(db.select({ id: checkpoints.id, iteration: checkpoints.iteration }).from(checkpoints).where(eq(checkpoints.id, pair.checkpointId)))) ?? null;

  const scoring = await firstRow(db
    .select({ id: checkpoints.id, iteration: checkpoints.iteration })
    .from(checkpoints)
    .where(and(eq(checkpoints.runId, run.id), checkpointId === undefined ? undefined : eq(checkpoints.id, checkpointId)))
    .orderBy(desc(checkpoints.iteration)));
  if (checkpointId !== undefined && !scoring) {
    throw new TRPCError({ code: 'NOT_FOUND', message: `checkpoint ${checkpointId} is not one of run ${run.id}'s` });
  }

  const notes: string[] = [];
  const neural = neuralContext(run);
  const rewards = neural.ok ? await neuralStepRewards(db, run.id, neural.value, scoring, notes) : await tabularStepRewards(db, run, scoring, notes);
  const inspect = (clip: Clip): InspectedClip => {
    const steps = rewards.of(clip);
    return {
      id: clip.id, envId: clip.envId, seed: clip.seed, states: clip.states, actions: clip.actions, trueReturn: clip.trueReturn,
      learnedReward: steps.learned, trueReward: steps.true,
    };
  };
  return {
    pair: { id: pair.id, runId: pair.runId, status: pair.status, iteration: pair.iteration, createdAt: pair.createdAt, drawnBy },
    run: { id: run.id, name: run.name, envId: run.envId, algorithm: run.algorithm },
    clipA: inspect(clipA),
    clipB: inspect(clipB),
    labels: labelRows,
    scoredBy: rewards.scored && scoring ? scoring : null,
    heatmap: rewards.heatmap,
    notes,
  };
}

/** The run's most recently labeled pairs, newest label first, with their label counts. */
/** Labeled pairs of a run, the most recently labeled first; `offset` pages back, `pairId` finds one. */
export async function loadRecentPairs(db: Db, runId: number, limit: number, opts: { offset?: number; pairId?: number | undefined } = {}) {
  return (await db
    .select({
      pairId: pairs.id,
      iteration: pairs.iteration,
      labelCount: sql<number>`count(${labels.id})`,
      lastAnsweredAt: sql<number>`max(${labels.answeredAt})`,
      choices: commaJoined(db, labels.choice),
    })
    .from(labels)
    .innerJoin(pairs, eq(pairs.id, labels.pairId))
    .where(and(eq(pairs.runId, runId), isNull(labels.undoneAt), opts.pairId === undefined ? undefined : eq(pairs.id, opts.pairId)))
    .groupBy(pairs.id)
    .orderBy(desc(sql`max(${labels.id})`))
    .limit(limit)
    .offset(opts.offset ?? 0)
  ).map((r) => ({ ...r, choices: r.choices ? r.choices.split(',') : [] }));
}

import { eq } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { Db } from '@/db/client';
import { checkpoints, clips, labels, pairs, runs, users, type Choice } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { EXPORT_SCHEMA_VERSION } from '@/server/export/schema';
import type { ReadBackRecord } from '@/server/export/readBack';
import { firstRow, returnedRow } from '@/db/dialect';
import { isContinuousActions } from '@/trainer/contracts/clip-actions';

/** y as the labeling flow stores it: P(left preferred). */
export function yOf(choice: Choice): number | null {
  return choice === 'left' ? 1 : choice === 'right' ? 0 : choice === 'equal' ? 0.5 : null;
}

/** Inserts one label as `label.submit` would store it (tests only; no queue, no lease). */
export async function insertLabel(
  db: Db,
  opts: { pairId: number; userId: number; choice: Choice; answeredAt: number; responseMs?: number; undone?: boolean },
): Promise<number> {
  const responseMs = opts.responseMs ?? 1500;
  return writeTx(db, async (tx) =>
    (await returnedRow(tx
      .insert(labels)
      .values({
        submissionId: randomUUID(),
        pairId: opts.pairId,
        userId: opts.userId,
        choice: opts.choice,
        y: yOf(opts.choice),
        shownAt: opts.answeredAt - responseMs,
        answeredAt: opts.answeredAt,
        responseMs,
        undoneAt: opts.undone ? opts.answeredAt + 1000 : null,
      })
      .returning({ id: labels.id }))).id,
  );
}

/** A checkpoint of `runId` that "produced" pair `pairId` (sets the pair's and its clips' checkpoint). */
export async function attachCheckpoint(db: Db, runId: number, pairId: number, iteration = 1): Promise<number> {
  return writeTx(db, async (tx) => {
    const id = (await returnedRow(tx.insert(checkpoints).values({ runId, iteration, formatVersion: 1 }).returning({ id: checkpoints.id }))).id;
    const pair = (await firstRow(tx.update(pairs).set({ checkpointId: id }).where(eq(pairs.id, pairId)).returning()))!;
    await tx.update(clips).set({ checkpointId: id, trueReturn: 2.5 }).where(eq(clips.id, pair.clipAId));
    return id;
  });
}

/**
 * What the export must say about label `labelId`, built from the database through drizzle
 * (not the export's SQL), with nested values parsed: the reference the read-back is compared with.
 */
export async function expectedRecord(db: Db, labelId: number, emails = false): Promise<ReadBackRecord> {
  const label = (await firstRow(db.select().from(labels).where(eq(labels.id, labelId))))!;
  const pair = (await firstRow(db.select().from(pairs).where(eq(pairs.id, label.pairId))))!;
  const run = (await firstRow(db.select().from(runs).where(eq(runs.id, pair.runId))))!;
  const user = (await firstRow(db.select().from(users).where(eq(users.id, label.userId))))!;
  const clipA = (await firstRow(db.select().from(clips).where(eq(clips.id, pair.clipAId))))!;
  const clipB = (await firstRow(db.select().from(clips).where(eq(clips.id, pair.clipBId))))!;
  const clip = (prefix: string, c: typeof clipA) => ({
    [`${prefix}_id`]: c.id,
    [`${prefix}_env_id`]: c.envId,
    [`${prefix}_seed`]: c.seed,
    [`${prefix}_checkpoint_id`]: c.checkpointId,
    [`${prefix}_observations`]: c.states,
    [`${prefix}_actions`]: c.actions,
    [`${prefix}_true_return`]: c.trueReturn,
  });
  const vectors = (c: typeof clipA) => (isContinuousActions(c.actions) ? c.actions : null);
  return {
    schema_version: EXPORT_SCHEMA_VERSION,
    label_id: label.id,
    pair_id: pair.id,
    run_id: run.id,
    run_name: run.name,
    checkpoint_id: pair.checkpointId ?? clipA.checkpointId,
    annotator: emails ? user.email : user.pseudonym,
    choice: label.choice,
    y: label.y,
    shown_at: label.shownAt,
    answered_at: label.answeredAt,
    response_ms: label.responseMs,
    ...clip('clip_a', clipA),
    ...clip('clip_b', clipB),
    clip_a_action_vectors: vectors(clipA),
    clip_b_action_vectors: vectors(clipB),
  };
}

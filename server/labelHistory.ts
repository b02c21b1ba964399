import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { and, desc, eq, isNull, lt } from 'drizzle-orm';
import { labels, pairFlags, pairs, runs, users, type Choice, type FlagSide } from '@/db/schema';
import type { Db } from '@/db/client';
import { labelIdsInCommitOrder, writeTx } from '@/db/transactions';
import { choiceToY, holdsLiveLease, leasesReleased, refreshPairStatus, type Strength } from './queue';
import { runOfPair, type Labeler } from './runAccess';
import { firstRow, returnedRow } from '@/db/dialect';

/**
 * "My labels": a person's recent labels, changing a choice while the run still trains, and
 * flagging a pair whose clip is broken. An edit never rewrites a row: the old label is marked
 * undone and a new one is inserted, so the trainer (which reads new labels by id above its
 * watermark and refits on every live label) and the exports see the new choice, and the audit
 * trail keeps the old one.
 */

export const HISTORY_PAGE = 50;

export interface HistoryRow {
  labelId: number;
  pairId: number;
  runId: number;
  runName: string;
  runStatus: string;
  choice: Choice;
  y: number | null;
  createdAt: number;
  preferenceStrength: boolean;
  /** Your flag on this pair, if you reported it. */
  flag: { side: FlagSide; comment: string } | null;
  /** The run still trains, so a changed choice still counts. */
  editable: boolean;
}

export async function labelHistory(db: Db, userId: number, opts: { beforeId?: number | undefined; runId?: number | undefined }): Promise<{ rows: HistoryRow[]; nextBeforeId: number | null }> {
  const rows = await db
    .select({
      labelId: labels.id,
      pairId: labels.pairId,
      runId: pairs.runId,
      runName: runs.name,
      runStatus: runs.status,
      choice: labels.choice,
      y: labels.y,
      createdAt: labels.createdAt,
      preferenceStrength: runs.preferenceStrength,
      flagSide: pairFlags.side,
      flagComment: pairFlags.comment,
    })
    .from(labels)
    .innerJoin(pairs, eq(pairs.id, labels.pairId))
    .innerJoin(runs, eq(runs.id, pairs.runId))
    .leftJoin(pairFlags, and(eq(pairFlags.pairId, labels.pairId), eq(pairFlags.userId, userId)))
    .where(
      and(
        eq(labels.userId, userId),
        isNull(labels.undoneAt),
        opts.beforeId === undefined ? undefined : lt(labels.id, opts.beforeId),
        opts.runId === undefined ? undefined : eq(pairs.runId, opts.runId),
      ),
    )
    .orderBy(desc(labels.id))
    .limit(HISTORY_PAGE + 1);
  const page = rows.slice(0, HISTORY_PAGE);
  return {
    rows: page.map(({ flagSide, flagComment, ...r }) => ({
      ...r,
      flag: flagSide ? { side: flagSide, comment: flagComment ?? '' } : null,
      editable: r.runStatus === 'active',
    })),
    nextBeforeId: rows.length > HISTORY_PAGE ? page[page.length - 1]!.labelId : null,
  };
}

/** Changes your live label's choice (a new row; the old one is kept, undone). */
export async function editLabel(db: Db, user: Labeler, input: { labelId: number; choice: Choice; strength?: Strength | undefined }, now: number): Promise<{ labelId: number; y: number | null }> {
  return writeTx(db, async (tx) => {
    const label = await firstRow(tx.select().from(labels).where(eq(labels.id, input.labelId)));
    if (!label || label.userId !== user.id) throw new TRPCError({ code: 'NOT_FOUND', message: `you have no label ${input.labelId}` });
    if (label.undoneAt !== null) throw new TRPCError({ code: 'CONFLICT', message: `label ${input.labelId} was undone or changed already; reload your history` });
    const gate = await runOfPair(tx, user, label.pairId);
    if (gate.status !== 'active') {
      throw new TRPCError({ code: 'CONFLICT', message: `run "${gate.name}" is ${gate.status}: its labels can no longer be changed` });
    }
    const strength = input.strength ?? 'much';
    if (strength === 'slightly' && (!gate.preferenceStrength || (input.choice !== 'left' && input.choice !== 'right'))) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: 'strength "slightly" needs a run with preference strength and a left or right choice' });
    }
    const y = choiceToY(input.choice, strength);
    if (label.choice === input.choice && label.y === y) return { labelId: label.id, y };
    await tx.update(labels).set({ undoneAt: now }).where(eq(labels.id, label.id));
    await labelIdsInCommitOrder(tx, gate.id);
    const row = await returnedRow(tx
      .insert(labels)
      .values({
        submissionId: randomUUID(),
        pairId: label.pairId,
        userId: user.id,
        choice: input.choice,
        y,
        shownAt: label.shownAt,
        answeredAt: label.answeredAt,
        responseMs: label.responseMs,
        createdAt: now,
      })
      .returning({ id: labels.id }));
    await refreshPairStatus(tx, label.pairId);
    return { labelId: row.id, y };
  });
}

export const FLAG_COMMENT_MAX = 500;

/**
 * Reports a broken clip: you must have labeled the pair or hold it on screen. From then on the
 * pair is offered to nobody, and the trainer and the exports leave it out.
 */
export async function flagPair(db: Db, user: Labeler, input: { pairId: number; side: FlagSide; comment: string }, now: number): Promise<{ flagId: number }> {
  return writeTx(db, async (tx) => {
    await runOfPair(tx, user, input.pairId);
    const labeled = await firstRow(tx
      .select({ id: labels.id })
      .from(labels)
      .where(and(eq(labels.pairId, input.pairId), eq(labels.userId, user.id), isNull(labels.undoneAt))));
    if (!labeled && !(await holdsLiveLease(tx, input.pairId, user.id, now))) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `you can flag pair ${input.pairId} only after it was shown to you` });
    }
    const row = await returnedRow(tx
      .insert(pairFlags)
      .values({ pairId: input.pairId, userId: user.id, side: input.side, comment: input.comment, createdAt: now })
      .onConflictDoUpdate({ target: [pairFlags.pairId, pairFlags.userId], set: { side: input.side, comment: input.comment, createdAt: now } })
      .returning({ id: pairFlags.id }));
    await leasesReleased(tx, input.pairId);
    return { flagId: row.id };
  });
}

/** Flagged pairs of a run, for researchers (newest first). */
export async function runFlags(db: Db, runId: number) {
  return await db
    .select({ pairId: pairFlags.pairId, side: pairFlags.side, comment: pairFlags.comment, createdAt: pairFlags.createdAt, userId: pairFlags.userId, annotator: users.pseudonym })
    .from(pairFlags)
    .innerJoin(pairs, eq(pairs.id, pairFlags.pairId))
    .innerJoin(users, eq(users.id, pairFlags.userId))
    .where(eq(pairs.runId, runId))
    .orderBy(desc(pairFlags.createdAt))
    .limit(200);
}

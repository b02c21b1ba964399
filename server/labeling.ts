import { TRPCError } from '@trpc/server';
import { and, eq, gte, sql } from 'drizzle-orm';
import { labels, leases, pairs, runs, type Choice, type RunStatus } from '@/db/schema';
import type { Db } from '@/db/client';
import { labelIdsInCommitOrder, rowLockTx } from '@/db/transactions';
import { lockPair, lockSubmission } from '@/db/row-locks';
import {
  LEASE_MS,
  MAX_RESPONSE_MS,
  UNDO_WINDOW_MS,
  choiceToY,
  countAvailablePairs,
  grantLease,
  holdsLiveLease,
  loadPairView,
  refreshPairStatus,
  type PairView,
  type Strength,
} from './queue';
import { assertAcceptsLabels, runForLabeler, runOfPair, type Labeler } from './runAccess';
import { firstRow, returnedRow } from '@/db/dialect';

/** Submitting, undoing and counting labels; plain functions over the db taking `now`. */

export interface SubmitLabelInput {
  submissionId: string;
  pairId: number;
  choice: Choice;
  /** 'slightly' only on runs with preference strength, and only for left / right. */
  strength?: Strength | undefined;
  shownAt: number;
  answeredAt: number;
}

export interface SubmitLabelResult {
  labelId: number;
  pairId: number;
  choice: Choice;
  y: number | null;
  duplicate: boolean;
}

/**
 * Stores one label. Idempotent by submissionId: the same submission again (a network retry,
 * even after the lease is gone) returns the first result with duplicate: true and no new row;
 * if that label was undone meanwhile, the replay is refused (CONFLICT), because answering
 * "duplicate" would tell the client a label is stored that is not. Only an active run takes
 * labels (a paused or stopped one refuses them even on a held lease), and only from someone
 * who may label it (assigned, practice passed).
 */
export async function submitLabel(db: Db, user: Labeler, input: SubmitLabelInput, now: number): Promise<SubmitLabelResult> {
  const userId = user.id;
  const responseMs = input.answeredAt - input.shownAt;
  if (responseMs < 0 || responseMs > MAX_RESPONSE_MS) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `answeredAt - shownAt must be within 0..${MAX_RESPONSE_MS} ms, got ${responseMs}`,
    });
  }
  return rowLockTx(db, async (tx) => {
    // First the locks (db/row-locks.ts), then every read: a retry of this submission waits here
    // and then finds its label; the pair's lease and label counts cannot change until commit.
    await lockSubmission(tx, input.submissionId);
    await lockPair(tx, input.pairId);
    const previous = await firstRow(tx.select().from(labels).where(eq(labels.submissionId, input.submissionId)));
    if (previous) {
      if (previous.userId !== userId || previous.pairId !== input.pairId) {
        throw new TRPCError({ code: 'CONFLICT', message: 'this submissionId was already used for another label' });
      }
      if (previous.undoneAt !== null) {
        throw new TRPCError({
          code: 'CONFLICT',
          message: `the label of this submission (pair ${previous.pairId}) was undone and is not stored; label the pair again with a new submissionId`,
        });
      }
      return { labelId: previous.id, pairId: previous.pairId, choice: previous.choice, y: previous.y, duplicate: true };
    }
    const gate = await runOfPair(tx, user, input.pairId);
    assertAcceptsLabels(gate);
    const strength = input.strength ?? 'much';
    if (strength === 'slightly' && (!gate.preferenceStrength || (input.choice !== 'left' && input.choice !== 'right'))) {
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: gate.preferenceStrength
          ? 'strength "slightly" applies to left or right only'
          : `run "${gate.name}" does not ask for preference strength; send strength "much" or none`,
      });
    }
    if (!(await holdsLiveLease(tx, input.pairId, userId, now))) {
      throw new TRPCError({
        code: 'CONFLICT',
        message: `pair ${input.pairId} is not leased to you (the lease may have expired); ask for the next pair`,
      });
    }
    const live = await firstRow(tx
      .select({ id: labels.id })
      .from(labels)
      .where(and(eq(labels.pairId, input.pairId), eq(labels.userId, userId), sql`${labels.undoneAt} is null`)));
    if (live) throw new TRPCError({ code: 'CONFLICT', message: `you already labeled pair ${input.pairId}` });

    const y = choiceToY(input.choice, strength);
    const { strength: _strength, ...row0 } = input;
    await tx.delete(leases).where(and(eq(leases.pairId, input.pairId), eq(leases.userId, userId)));
    await refreshPairStatus(tx, input.pairId, 1);
    // The insert last: the run's label-insert lock is held from here to the commit, and every
    // submit on the run waits for it (measured on PostgreSQL, 100 annotators on one run: the
    // main wait when the lease delete and the status update came after the insert).
    await labelIdsInCommitOrder(tx, gate.id);
    const row = await returnedRow(tx
      .insert(labels)
      .values({ ...row0, userId, y, responseMs, createdAt: now })
      .returning({ id: labels.id }));
    return { labelId: row.id, pairId: input.pairId, choice: input.choice, y, duplicate: false };
  });
}

/**
 * Takes back the user's own label within UNDO_WINDOW_MS and leases the pair to them again so the
 * page can show it. The window is measured on the server clock (created_at), not the browser's
 * answeredAt, so a skewed client clock cannot widen or close it. A paused or stopped run keeps
 * the label: undoing would hand its pair out again while the run takes no labels.
 */
export async function undoLabel(db: Db, user: Labeler, labelId: number, now: number): Promise<PairView> {
  const userId = user.id;
  return rowLockTx(db, async (tx) => {
    // The label's pair is locked before the label is read (again): its counts change below.
    const owner = await firstRow(tx.select({ pairId: labels.pairId }).from(labels).where(eq(labels.id, labelId)));
    if (owner) await lockPair(tx, owner.pairId);
    const label = await firstRow(tx.select().from(labels).where(eq(labels.id, labelId)));
    if (!label || label.userId !== userId) {
      throw new TRPCError({ code: 'NOT_FOUND', message: `you have no label ${labelId}` });
    }
    const gate = await runOfPair(tx, user, label.pairId);
    if (gate.status !== 'active') {
      throw new TRPCError({ code: 'CONFLICT', message: `run "${gate.name}" is ${gate.status}; label ${labelId} stays as it is` });
    }
    if (label.undoneAt !== null) throw new TRPCError({ code: 'CONFLICT', message: `label ${labelId} is already undone` });
    if (now - label.createdAt > UNDO_WINDOW_MS) {
      throw new TRPCError({ code: 'CONFLICT', message: `label ${labelId} is older than ${UNDO_WINDOW_MS / 1000} s; it can no longer be undone` });
    }
    await tx.update(labels).set({ undoneAt: now }).where(eq(labels.id, labelId));
    await refreshPairStatus(tx, label.pairId);
    const expiresAt = now + LEASE_MS;
    await grantLease(tx, label.pairId, userId, expiresAt);
    return loadPairView(tx, label.pairId, expiresAt);
  });
}

export interface LabelStatus {
  /** Your live labels since the start of the day: on this run when one is asked for, else on all. */
  labeledToday: number;
  pairsWaiting: number;
  runName: string | null;
  /** The asked-for run's state ('paused' / 'stopped': the page says so instead of "empty"); null without a run. */
  runStatus: RunStatus | null;
  /** This run has a practice round you have not passed yet. */
  practiceRequired: boolean;
  preferenceStrength: boolean;
  /** Your live labels on the run, all of them on the run, and its target (null: none); zeros without a run. */
  mine: number;
  runLabels: number;
  labelTarget: number | null;
}

/** Start of the server's local day containing `now`. */
export function startOfDay(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

async function liveLabelCount(db: Db, where: { userId?: number; runId?: number; since?: number }): Promise<number> {
  return (
    (await firstRow(db
      .select({ n: sql<number>`count(*)` })
      .from(labels)
      .innerJoin(pairs, eq(pairs.id, labels.pairId))
      .where(
        and(
          sql`${labels.undoneAt} is null`,
          where.userId === undefined ? undefined : eq(labels.userId, where.userId),
          where.runId === undefined ? undefined : eq(pairs.runId, where.runId),
          where.since === undefined ? undefined : gte(labels.createdAt, where.since),
        ),
      )))?.n ?? 0
  );
}

export async function labelStatus(db: Db, user: Labeler, now: number, runId?: number): Promise<LabelStatus> {
  const userId = user.id;
  const pairsWaiting = await countAvailablePairs(db, { userId, role: user.role, runId, now });
  const labeledToday = await liveLabelCount(db, { userId, runId, since: startOfDay(now) });
  if (runId === undefined) {
    return { labeledToday, pairsWaiting, runName: null, runStatus: null, practiceRequired: false, preferenceStrength: false, mine: 0, runLabels: 0, labelTarget: null };
  }
  const gate = await runForLabeler(db, user, runId);
  const target = (await firstRow(db.select({ labelTarget: runs.labelTarget }).from(runs).where(eq(runs.id, runId))))?.labelTarget ?? null;
  return {
    labeledToday,
    pairsWaiting,
    runName: gate.name,
    runStatus: gate.status,
    practiceRequired: gate.practiceRequired,
    preferenceStrength: gate.preferenceStrength,
    mine: await liveLabelCount(db, { userId, runId }),
    runLabels: await liveLabelCount(db, { runId }),
    labelTarget: target,
  };
}

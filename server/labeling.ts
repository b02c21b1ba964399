import { TRPCError } from '@trpc/server';
import { and, eq, gte, sql } from 'drizzle-orm';
import { labels, leases, pairs, runs, type Choice } from '@/db/schema';
import type { Db } from '@/db/client';
import { writeTx } from '@/db/transactions';
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
} from './queue';

/** Submitting, undoing and counting labels; plain functions over the db taking `now`. */

export interface SubmitLabelInput {
  submissionId: string;
  pairId: number;
  choice: Choice;
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
 * even after the lease is gone) returns the first result with duplicate: true and no new row.
 */
export function submitLabel(db: Db, userId: number, input: SubmitLabelInput, now: number): SubmitLabelResult {
  const responseMs = input.answeredAt - input.shownAt;
  if (responseMs < 0 || responseMs > MAX_RESPONSE_MS) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `answeredAt - shownAt must be within 0..${MAX_RESPONSE_MS} ms, got ${responseMs}`,
    });
  }
  return writeTx(db, (tx) => {
    const previous = tx.select().from(labels).where(eq(labels.submissionId, input.submissionId)).get();
    if (previous) {
      if (previous.userId !== userId || previous.pairId !== input.pairId) {
        throw new TRPCError({ code: 'CONFLICT', message: 'this submissionId was already used for another label' });
      }
      return { labelId: previous.id, pairId: previous.pairId, choice: previous.choice, y: previous.y, duplicate: true };
    }
    const pair = tx.select({ id: pairs.id }).from(pairs).where(eq(pairs.id, input.pairId)).get();
    if (!pair) throw new TRPCError({ code: 'NOT_FOUND', message: `pair ${input.pairId} does not exist` });
    if (!holdsLiveLease(tx, input.pairId, userId, now)) {
      throw new TRPCError({
        code: 'CONFLICT',
        message: `pair ${input.pairId} is not leased to you (the lease may have expired); ask for the next pair`,
      });
    }
    const live = tx
      .select({ id: labels.id })
      .from(labels)
      .where(and(eq(labels.pairId, input.pairId), eq(labels.userId, userId), sql`${labels.undoneAt} is null`))
      .get();
    if (live) throw new TRPCError({ code: 'CONFLICT', message: `you already labeled pair ${input.pairId}` });

    const y = choiceToY(input.choice);
    const row = tx
      .insert(labels)
      .values({ ...input, userId, y, responseMs, createdAt: now })
      .returning({ id: labels.id })
      .get();
    tx.delete(leases).where(and(eq(leases.pairId, input.pairId), eq(leases.userId, userId))).run();
    refreshPairStatus(tx, input.pairId);
    return { labelId: row.id, pairId: input.pairId, choice: input.choice, y, duplicate: false };
  });
}

/**
 * Takes back the user's own label within UNDO_WINDOW_MS and leases the pair to them again so the
 * page can show it. The window is measured on the server clock (created_at), not the browser's
 * answeredAt, so a skewed client clock cannot widen or close it.
 */
export function undoLabel(db: Db, userId: number, labelId: number, now: number): PairView {
  return writeTx(db, (tx) => {
    const label = tx.select().from(labels).where(eq(labels.id, labelId)).get();
    if (!label || label.userId !== userId) {
      throw new TRPCError({ code: 'NOT_FOUND', message: `you have no label ${labelId}` });
    }
    if (label.undoneAt !== null) throw new TRPCError({ code: 'CONFLICT', message: `label ${labelId} is already undone` });
    if (now - label.createdAt > UNDO_WINDOW_MS) {
      throw new TRPCError({ code: 'CONFLICT', message: `label ${labelId} is older than ${UNDO_WINDOW_MS / 1000} s; it can no longer be undone` });
    }
    tx.update(labels).set({ undoneAt: now }).where(eq(labels.id, labelId)).run();
    refreshPairStatus(tx, label.pairId);
    const expiresAt = now + LEASE_MS;
    grantLease(tx, label.pairId, userId, expiresAt);
    return loadPairView(tx, label.pairId, expiresAt);
  });
}

export interface LabelStatus {
  labeledToday: number;
  pairsWaiting: number;
  runName: string | null;
}

/** Start of the server's local day containing `now`. */
export function startOfDay(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export function labelStatus(db: Db, userId: number, now: number, runId?: number, runNameHint?: string): LabelStatus {
  const today = db
    .select({ n: sql<number>`count(*)` })
    .from(labels)
    .where(and(eq(labels.userId, userId), gte(labels.createdAt, startOfDay(now)), sql`${labels.undoneAt} is null`))
    .get();
  let runName = runNameHint ?? null;
  if (runName === null && runId !== undefined) {
    runName = db.select({ name: runs.name }).from(runs).where(eq(runs.id, runId)).get()?.name ?? null;
  }
  return { labeledToday: today?.n ?? 0, pairsWaiting: countAvailablePairs(db, { userId, runId, now }), runName };
}

export function runExists(db: Db, runId: number): boolean {
  return db.select({ id: runs.id }).from(runs).where(eq(runs.id, runId)).get() !== undefined;
}

import { TRPCError } from '@trpc/server';
import { and, asc, desc, eq, gt, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import { clips, labels, leases, pairs, runs, type Choice } from '@/db/schema';
import type { Db } from '@/db/client';
import { writeTx, type Tx } from '@/db/transactions';

/**
 * The labeling queue as plain functions over the database. Every function takes `now` (ms) so
 * lease expiry and the undo window are testable without waiting.
 *
 * A pair is AVAILABLE to user U when its run is active, it is pending, U has no live label on it,
 * and live labels + unexpired leases held by OTHER users < labels_wanted (overlap).
 */

export const LEASE_MS = 5 * 60_000;
export const UNDO_WINDOW_MS = 30_000;
/** Longer than any honest look at two short clips; larger values are clock or client bugs. */
export const MAX_RESPONSE_MS = 60 * 60_000;

export interface ClipView {
  id: number;
  envId: string;
  states: unknown[];
  actions: number[];
}

export interface PairView {
  id: number;
  runId: number;
  runName: string;
  instructions: string;
  leaseExpiresAt: number;
  left: ClipView;
  right: ClipView;
}

type Reader = Tx | Db;

const liveLabelCount = sql`(select count(*) from ${labels} where ${labels.pairId} = ${pairs.id} and ${labels.undoneAt} is null)`;

/** The AVAILABLE predicate above, for a query over `pairs` joined with `runs`. */
function availableTo(userId: number, now: number): SQL {
  const othersLeases = sql`(select count(*) from ${leases} where ${leases.pairId} = ${pairs.id}
    and ${leases.userId} <> ${userId} and ${leases.expiresAt} > ${now})`;
  return and(
    eq(runs.status, 'active'),
    eq(pairs.status, 'pending'),
    sql`not exists (select 1 from ${labels} where ${labels.pairId} = ${pairs.id}
      and ${labels.userId} = ${userId} and ${labels.undoneAt} is null)`,
    sql`${liveLabelCount} + ${othersLeases} < ${pairs.labelsWanted}`,
  )!;
}

function ownLiveLease(userId: number, now: number): SQL {
  return sql`exists (select 1 from ${leases} where ${leases.pairId} = ${pairs.id}
    and ${leases.userId} = ${userId} and ${leases.expiresAt} > ${now})`;
}

export interface QueueQuery {
  userId: number;
  runId?: number | undefined;
  now: number;
}

/**
 * Leases the best available pair to the user for LEASE_MS and returns it, or null when the queue
 * is empty for them. A pair the user already holds comes first (a reload must not burn pairs),
 * then highest priority, then oldest. One IMMEDIATE transaction: two callers never get the same
 * pair beyond its overlap.
 */
export function leaseNextPair(db: Db, q: QueueQuery & { excludePairIds?: readonly number[] }): PairView | null {
  return writeTx(db, (tx) => {
    // Expired leases count for nothing; dropping them keeps the availability scan small.
    tx.delete(leases).where(lte(leases.expiresAt, q.now)).run();
    const exclude = q.excludePairIds ?? [];
    const candidate = tx
      .select({ id: pairs.id })
      .from(pairs)
      .innerJoin(runs, eq(runs.id, pairs.runId))
      .where(
        and(
          availableTo(q.userId, q.now),
          q.runId === undefined ? undefined : eq(pairs.runId, q.runId),
          exclude.length > 0 ? notInArray(pairs.id, [...exclude]) : undefined,
        ),
      )
      .orderBy(desc(ownLiveLease(q.userId, q.now)), desc(pairs.priority), asc(pairs.createdAt), asc(pairs.id))
      .limit(1)
      .get();
    if (!candidate) return null;
    const expiresAt = q.now + LEASE_MS;
    grantLease(tx, candidate.id, q.userId, expiresAt);
    return loadPairView(tx, candidate.id, expiresAt);
  });
}

export function grantLease(tx: Tx, pairId: number, userId: number, expiresAt: number): void {
  tx.insert(leases)
    .values({ pairId, userId, expiresAt })
    .onConflictDoUpdate({ target: [leases.pairId, leases.userId], set: { expiresAt } })
    .run();
}

/** How many pairs `label.next` could still hand this user (including the ones they hold). */
export function countAvailablePairs(db: Reader, q: QueueQuery): number {
  const row = db
    .select({ n: sql<number>`count(*)` })
    .from(pairs)
    .innerJoin(runs, eq(runs.id, pairs.runId))
    .where(and(availableTo(q.userId, q.now), q.runId === undefined ? undefined : eq(pairs.runId, q.runId)))
    .get();
  return row?.n ?? 0;
}

export function loadPairView(db: Reader, pairId: number, leaseExpiresAt: number): PairView {
  const row = db
    .select({ pair: pairs, runName: runs.name, instructions: runs.instructions })
    .from(pairs)
    .innerJoin(runs, eq(runs.id, pairs.runId))
    .where(eq(pairs.id, pairId))
    .get();
  if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `pair ${pairId} does not exist` });
  const clipView = (clipId: number): ClipView => {
    const clip = db
      .select({ id: clips.id, envId: clips.envId, states: clips.states, actions: clips.actions })
      .from(clips)
      .where(eq(clips.id, clipId))
      .get();
    if (!clip) throw new Error(`pair ${pairId} points at missing clip ${clipId}`);
    return clip;
  };
  return {
    id: row.pair.id,
    runId: row.pair.runId,
    runName: row.runName,
    instructions: row.instructions,
    leaseExpiresAt,
    left: clipView(row.pair.clipAId),
    right: clipView(row.pair.clipBId),
  };
}

/** Choice -> P(left preferred); null: the annotator could not tell (kept, but not a preference). */
export function choiceToY(choice: Choice): number | null {
  switch (choice) {
    case 'left':
      return 1;
    case 'right':
      return 0;
    case 'equal':
      return 0.5;
    case 'cant_tell':
      return null;
  }
}

export function liveLabelsOn(tx: Reader, pairId: number): number {
  const row = tx
    .select({ n: sql<number>`count(*)` })
    .from(labels)
    .where(and(eq(labels.pairId, pairId), sql`${labels.undoneAt} is null`))
    .get();
  return row?.n ?? 0;
}

/** Keeps pairs.status in step with the live label count (after a submit or an undo). */
export function refreshPairStatus(tx: Tx, pairId: number): void {
  const pair = tx.select({ wanted: pairs.labelsWanted }).from(pairs).where(eq(pairs.id, pairId)).get();
  if (!pair) return;
  const status = liveLabelsOn(tx, pairId) >= pair.wanted ? 'done' : 'pending';
  tx.update(pairs).set({ status }).where(eq(pairs.id, pairId)).run();
}

export function holdsLiveLease(tx: Reader, pairId: number, userId: number, now: number): boolean {
  const lease = tx
    .select({ pairId: leases.pairId })
    .from(leases)
    .where(and(eq(leases.pairId, pairId), eq(leases.userId, userId), gt(leases.expiresAt, now)))
    .get();
  return lease !== undefined;
}

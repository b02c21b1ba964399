import { TRPCError } from '@trpc/server';
import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, notInArray, or, sql, type SQL } from 'drizzle-orm';
import { clips, labels, leases, pairs, runs, type Role } from '@/db/schema';
import type { ClipActions } from '@/trainer/contracts/clip-actions';
import type { Db } from '@/db/client';
import { rowLockTx, type Tx } from '@/db/transactions';
import { deleteExpiredLeases, lockingRows, rowLocksTaken } from '@/db/row-locks';
import { goldRateOf } from './goldRate';
import { pairNotFlagged, practiceDone, visibleRuns } from './runAccess';
import { PAIRS_WAITING_CAP } from './pairsWaiting';
import { firstRow } from '@/db/dialect';

/**
 * The labeling queue as plain functions over the database. Every function takes `now` (ms) so
 * lease expiry and the undo window are testable without waiting.
 *
 * A pair is AVAILABLE to user U when its run is active and visible to U (open to all, or U is
 * assigned; see runAccess.ts), U passed the run's practice round if it has one, nobody flagged
 * the pair as broken, it is pending, U has no live label on it, and live labels + unexpired
 * leases held by OTHER users < labels_wanted (overlap).
 *
 * A GOLD pair (an admin gave it a correct answer) is available to U when its run is active and U
 * has no live label on it: every annotator answers it once, so overlap and status do not apply.
 * label.next offers one with the run's goldRate probability, before the normal pick.
 */

export const LEASE_MS = 5 * 60_000;
export const UNDO_WINDOW_MS = 30_000;
/** Longer than any honest look at two short clips; larger values are clock or client bugs. */
export const MAX_RESPONSE_MS = 60 * 60_000;

export interface ClipView {
  id: number;
  envId: string;
  states: unknown[];
  actions: ClipActions;
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

const notLabeledBy = (userId: number) => sql`not exists (select 1 from ${labels} where ${labels.pairId} = ${pairs.id}
      and ${labels.userId} = ${userId} and ${labels.undoneAt} is null)`;

/** What every pair offered to this user needs, gold or not. */
function offerableTo(userId: number, role: Role): SQL {
  return and(eq(runs.status, 'active'), visibleRuns({ id: userId, role }), practiceDone(userId), pairNotFlagged, notLabeledBy(userId))!;
}

/** The AVAILABLE predicate above (normal pairs), for a query over `pairs` joined with `runs`. */
function availableTo(userId: number, role: Role, now: number): SQL {
  const othersLeases = sql`(select count(*) from ${leases} where ${leases.pairId} = ${pairs.id}
    and ${leases.userId} <> ${userId} and ${leases.expiresAt} > ${now})`;
  return and(
    offerableTo(userId, role),
    eq(pairs.status, 'pending'),
    isNull(pairs.goldChoice),
    sql`${liveLabelCount} + ${othersLeases} < ${pairs.labelsWanted}`,
  )!;
}

/** The gold AVAILABLE predicate above, over `pairs` joined with `runs`. */
function goldAvailableTo(userId: number, role: Role): SQL {
  return and(offerableTo(userId, role), isNotNull(pairs.goldChoice))!;
}

function ownLiveLease(userId: number, now: number): SQL {
  return sql`exists (select 1 from ${leases} where ${leases.pairId} = ${pairs.id}
    and ${leases.userId} = ${userId} and ${leases.expiresAt} > ${now})`;
}

export interface QueueQuery {
  userId: number;
  /** Annotators see only runs open to all or assigned to them; unset counts as annotator. */
  role?: Role | undefined;
  runId?: number | undefined;
  now: number;
}

/**
 * Active runs (of `runId` when given) whose goldRate exceeds `threshold`. Rates are few and live
 * in each run's config JSON, so they are read here rather than in SQL.
 */
async function goldRunIds(db: Reader, runId: number | undefined, threshold: number): Promise<number[]> {
  const rows = await db
    .select({ id: runs.id, config: runs.config })
    .from(runs)
    .where(and(eq(runs.status, 'active'), runId === undefined ? undefined : eq(runs.id, runId)));
  return rows
    .filter((r) => goldRateOf(r.config) > threshold)
    .map((r) => r.id);
}

export interface LeaseQuery extends QueueQuery {
  excludePairIds?: readonly number[];
  /**
   * Uniform [0, 1) draw deciding whether a gold pair is offered. Math.random by default: this is
   * the web server mixing gold into a queue, not the trainer, so nothing needs to replay it.
   */
  random?: () => number;
}

/**
 * Leases the next pair to the user for LEASE_MS and returns it, or null when the queue is empty
 * for them. A pair the user already holds comes first (a reload must not burn pairs); then, with
 * probability goldRate of its run, a gold pair they have not labeled; then the normal pick:
 * highest priority, then oldest. One `rowLockTx` (db/transactions.ts) holding the chosen pair's
 * row lock: two callers never get the same pair beyond its overlap, and callers granting
 * different pairs do not wait for each other.
 */
export async function leaseNextPair(db: Db, q: LeaseQuery): Promise<PairView | null> {
  const leased = await rowLockTx(db, async (tx) => {
    await deleteExpiredLeases(tx, q.now);
    const exclude = q.excludePairIds ?? [];
    const candidates = (where: SQL | undefined, skip: readonly number[]) =>
      tx
        .select({ id: pairs.id })
        .from(pairs)
        .innerJoin(runs, eq(runs.id, pairs.runId))
        .where(
          and(
            where,
            q.runId === undefined ? undefined : eq(pairs.runId, q.runId),
            skip.length > 0 ? notInArray(pairs.id, [...skip]) : undefined,
          ),
        )
        .orderBy(desc(pairs.priority), asc(pairs.createdAt), asc(pairs.id))
        .limit(1);
    // The first matching pair, its row locked (db/row-locks.ts): those another label.next is
    // granting are skipped (`skip`), the user's own lease is waited for (`wait`: skipping it would
    // hand them a second pair). A pair locked after this statement's snapshot may have had a
    // lease or label committed on it since: the same condition is read again on it, now locked.
    const pick = async (where: SQL | undefined, mode: 'skip' | 'wait') => {
      const passed = [...exclude];
      for (;;) {
        const candidate = await firstRow(lockingRows(tx, candidates(where, passed), pairs, mode));
        if (!candidate) return undefined;
        if (!rowLocksTaken(tx) || (await firstRow(candidates(and(where, eq(pairs.id, candidate.id)), [])))) return candidate;
        passed.push(candidate.id);
      }
    };
    const role = q.role ?? 'annotator';
    const normal = availableTo(q.userId, role, q.now);
    const gold = goldAvailableTo(q.userId, role);
    // A run's gold is offered when the draw falls below its goldRate (0 never, 0.5 half the time).
    const goldRuns = await goldRunIds(tx, q.runId, (q.random ?? Math.random)());
    const candidate =
      (await pick(and(or(normal, gold), ownLiveLease(q.userId, q.now)), 'wait')) ??
      (goldRuns.length > 0 ? await pick(and(gold, inArray(pairs.runId, goldRuns)), 'skip') : undefined) ??
      (await pick(normal, 'skip')) ??
      // Every matching pair locked by others (a short queue, many label.next at once): wait for
      // them rather than answer "queue empty"; each is read again once its holder committed.
      (rowLocksTaken(tx) ? await pick(normal, 'wait') : undefined);
    if (!candidate) return null;
    const expiresAt = q.now + LEASE_MS;
    await grantLease(tx, candidate.id, q.userId, expiresAt);
    return { pairId: candidate.id, expiresAt };
  });
  // Read after the commit, outside the write lock (the clips' states are the bulk of the bytes):
  // pairs and clips do not change once written, and the trainer deletes only pairs nobody holds
  // a live lease on (store.ts), so the pair just leased is there.
  return leased && loadPairView(db, leased.pairId, leased.expiresAt);
}

export async function grantLease(tx: Tx, pairId: number, userId: number, expiresAt: number): Promise<void> {
  await tx
    .insert(leases)
    .values({ pairId, userId, expiresAt })
    .onConflictDoUpdate({ target: [leases.pairId, leases.userId], set: { expiresAt } });
}

/**
 * How many pairs `label.next` could still hand this user (including the ones they hold), up to
 * PAIRS_WAITING_CAP (server/pairsWaiting.ts); gold pairs count only in runs whose goldRate is
 * above 0 (elsewhere they are never offered).
 */
export async function countAvailablePairs(db: Reader, q: QueueQuery): Promise<number> {
  const goldRuns = await goldRunIds(db, q.runId, 0);
  const role = q.role ?? 'annotator';
  const gold = goldRuns.length > 0 ? and(goldAvailableTo(q.userId, role), inArray(pairs.runId, goldRuns)) : undefined;
  const available = db
    .select({ one: sql<number>`1`.as('one') })
    .from(pairs)
    .innerJoin(runs, eq(runs.id, pairs.runId))
    .where(and(or(availableTo(q.userId, role, q.now), gold), q.runId === undefined ? undefined : eq(pairs.runId, q.runId)))
    .limit(PAIRS_WAITING_CAP)
    .as('available');
  return (await firstRow(db.select({ n: sql<number>`count(*)` }).from(available)))?.n ?? 0;
}

export async function loadPairView(db: Reader, pairId: number, leaseExpiresAt: number): Promise<PairView> {
  const row = await firstRow(
    db
    .select({ pair: pairs, runName: runs.name, instructions: runs.instructions })
    .from(pairs)
    .innerJoin(runs, eq(runs.id, pairs.runId))
    .where(eq(pairs.id, pairId)),
  );
  if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `pair ${pairId} does not exist` });
  const clipView = async (clipId: number): Promise<ClipView> => {
    const clip = await firstRow(
      db
      .select({ id: clips.id, envId: clips.envId, states: clips.states, actions: clips.actions })
      .from(clips)
      .where(eq(clips.id, clipId)),
    );
    if (!clip) throw new Error(`pair ${pairId} points at missing clip ${clipId}`);
    return clip;
  };
  return {
    id: row.pair.id,
    runId: row.pair.runId,
    runName: row.runName,
    instructions: row.instructions,
    leaseExpiresAt,
    left: await clipView(row.pair.clipAId),
    right: await clipView(row.pair.clipBId),
  };
}

/** Choice (+ strength) -> P(left preferred); null: the annotator could not tell. */
export { choiceToY, STRENGTHS, type Strength } from '@/trainer/contracts/choices';

export async function liveLabelsOn(tx: Reader, pairId: number): Promise<number> {
  const row = await firstRow(
    tx
    .select({ n: sql<number>`count(*)` })
    .from(labels)
    .where(and(eq(labels.pairId, pairId), sql`${labels.undoneAt} is null`)),
  );
  return row?.n ?? 0;
}

/**
 * Keeps pairs.status in step with the live label count (after a submit, an undo, or a gold mark;
 * `labelsAboutToBeInserted`: a submit that inserts its label last, in the same transaction).
 * A gold pair stays pending: every annotator is to answer it, however many already have.
 */
export async function refreshPairStatus(tx: Tx, pairId: number, labelsAboutToBeInserted = 0): Promise<void> {
  const pair = await firstRow(tx.select({ wanted: pairs.labelsWanted, goldChoice: pairs.goldChoice }).from(pairs).where(eq(pairs.id, pairId)));
  if (!pair) return;
  const live = (await liveLabelsOn(tx, pairId)) + labelsAboutToBeInserted;
  const status = pair.goldChoice === null && live >= pair.wanted ? 'done' : 'pending';
  await tx.update(pairs).set({ status }).where(eq(pairs.id, pairId));
}

export async function holdsLiveLease(tx: Reader, pairId: number, userId: number, now: number): Promise<boolean> {
  const lease = await firstRow(
    tx
    .select({ pairId: leases.pairId })
    .from(leases)
    .where(and(eq(leases.pairId, pairId), eq(leases.userId, userId), gt(leases.expiresAt, now))),
  );
  return lease !== undefined;
}

/** Drops every lease on a pair (it was flagged broken: nobody should keep it on screen). */
export async function leasesReleased(tx: Tx, pairId: number): Promise<void> {
  await tx.delete(leases).where(eq(leases.pairId, pairId));
}

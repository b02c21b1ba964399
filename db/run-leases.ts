import { sql } from 'drizzle-orm';
import { connectionOf, type Db } from './client';
import { execute, queryFirst, queryRows } from './dialect';
import { runLeases } from './schema';
import { rowLockTx, type Tx } from './transactions';

/**
 * Run leases (the run_leases table, db/schema.ts): each active run is iterated by ONE trainer
 * process at a time, whichever machine it runs on. A trainer claims the runs it may take, renews
 * its leases on a timer, and releases them on a clean shutdown; a lease that is not renewed
 * expires and any trainer claims the run, resuming from its newest checkpoint. Each claim
 * increments the row's fencing token, and the commit of an iteration checks holder and token in
 * its own transaction (`leaseStillHeld`, called by trainer/service/store.ts), so a holder that
 * was paused or cut off past its expiry cannot commit over the new holder's iterations.
 *
 * On PostgreSQL the claim locks the candidate rows `for update skip locked`: two trainers claiming
 * at the same moment take disjoint runs without waiting for each other, and a row locked by a
 * commit in progress (`for share` in leaseStillHeld) is skipped until the next pass. On SQLite
 * the claim is one IMMEDIATE transaction (writers take turns).
 *
 * Expiry compares the claimer's clock with the `expires_at` the holder wrote from its own: keep
 * trainer machines' clocks synchronised (NTP). A skewed clock can only make a takeover early; the
 * token still keeps the old holder from committing.
 */

/** A lease as its holder knows it. */
export interface HeldLease {
  runId: number;
  holderId: string;
  token: number;
  expiresAt: number;
}

/** The holder and token a commit must still find on the run's lease row. */
export type LeaseToken = Pick<HeldLease, 'holderId' | 'token'>;

/** How long a lease lasts without renewal (TRAINER_LEASE_MS overrides it). */
export const DEFAULT_RUN_LEASE_MS = 15_000;

export interface ClaimSpec {
  /** The claimer's TRAINER_ID. */
  holderId: string;
  /** Runs it would take (active, of its engine kinds); others are left alone. */
  runIds: readonly number[];
  /** The leases it holds now (run id -> token): those are renewed, not claimed again. */
  held: ReadonlyMap<number, number>;
  now: number;
  leaseMs: number;
  /**
   * At most this many FREE runs (new or released) at once (a fair share, so that trainers started
   * together split the runs); past it, only those free for `leaseMs` or longer (nobody else took
   * them: engine kinds differ, or the other trainers are full). Expired leases of other holders,
   * and this holder's own from a previous process, are claimed whatever the limit. Omitted: no limit.
   */
  limit?: number;
}

const idList = (ids: readonly number[]) => sql.join(ids.map((id) => sql`${id}`), sql`, `);

/**
 * Claims each run of `runIds` that is free, expired, or held under the claimer's own id with a
 * token it does not hold (a previous process of the same TRAINER_ID: restarted after kill -9, it
 * takes its runs back at once instead of waiting for the expiry). Returns the leases it got.
 */
export async function claimRuns(db: Db, spec: ClaimSpec): Promise<HeldLease[]> {
  const wanted = spec.runIds.filter((id) => !spec.held.has(id));
  if (wanted.length === 0) return [];
  // A read first: most passes of a trainer whose runs are all held (by it or by live others) write nothing.
  if (!(await anyClaimable(db, spec, wanted))) return [];
  return rowLockTx(db, async (tx) => {
    // A row per run, free since now (a deleted run is skipped by the select, not refused by the foreign key).
    await execute(tx, sql`insert into ${runLeases} (run_id, expires_at) select id, ${spec.now} from runs where id in (${idList(wanted)})
      on conflict (run_id) do nothing`);
    const lock = connectionOf(tx).dialect === 'postgres' ? sql` for update skip locked` : sql``;
    const rows = await queryRows<{ runId: number; holderId: string | null; token: number; expiresAt: number }>(tx, sql`
      select run_id as "runId", holder_id as "holderId", token, expires_at as "expiresAt" from ${runLeases}
        where run_id in (${idList(wanted)}) and (holder_id is null or expires_at <= ${spec.now} or holder_id = ${spec.holderId})
        order by expires_at, run_id${lock}`);
    const limit = spec.limit ?? Number.POSITIVE_INFINITY;
    const claimed: HeldLease[] = [];
    for (const row of rows) {
      // Beyond the share, only free runs (new, or released) that nobody took for a lease period.
      // An expired lease of another holder is always taken: that holder stopped renewing (it died,
      // hung or lost the database), and its runs must not wait longer than the expiry.
      const free = row.holderId === null;
      if (free && claimed.length >= limit && row.expiresAt > spec.now - spec.leaseMs) continue;
      const token = row.token + 1;
      const expiresAt = spec.now + spec.leaseMs;
      await execute(tx, sql`update ${runLeases} set holder_id = ${spec.holderId}, token = ${token}, expires_at = ${expiresAt}, claimed_at = ${spec.now}
        where run_id = ${row.runId}`);
      claimed.push({ runId: row.runId, holderId: spec.holderId, token, expiresAt });
    }
    return claimed;
  });
}

async function anyClaimable(db: Db, spec: ClaimSpec, wanted: readonly number[]): Promise<boolean> {
  const row = await queryFirst<{ n: number }>(db, sql`
    select count(*) as n from runs r left join ${runLeases} l on l.run_id = r.id
      where r.id in (${idList(wanted)})
        and (l.run_id is null or l.holder_id is null or l.expires_at <= ${spec.now} or l.holder_id = ${spec.holderId})`);
  return (row?.n ?? 0) > 0;
}

/**
 * Extends every lease of `held` (run id -> token) that is still the holder's to now + leaseMs,
 * and returns the ids of those; a run missing from the result was lost (claimed by another
 * trainer after this one's lease expired, or its run deleted). An expired lease nobody took is
 * renewed: no other trainer can have committed on it (a claim changes the token).
 */
export async function renewLeases(db: Db, holderId: string, held: ReadonlyMap<number, number>, now: number, leaseMs: number): Promise<Set<number>> {
  if (held.size === 0) return new Set();
  return rowLockTx(db, async (tx) => {
    const kept = new Set<number>();
    for (const [runId, token] of held) {
      const rows = await queryRows<{ runId: number }>(tx, sql`update ${runLeases} set expires_at = ${now + leaseMs}
        where run_id = ${runId} and holder_id = ${holderId} and token = ${token} returning run_id as "runId"`);
      if (rows.length > 0) kept.add(runId);
    }
    return kept;
  });
}

/** Gives the leases back (a clean shutdown, a run no longer active): another trainer may claim them at once. */
export async function releaseLeases(db: Db, holderId: string, held: ReadonlyMap<number, number>, now: number): Promise<void> {
  if (held.size === 0) return;
  await rowLockTx(db, async (tx) => {
    for (const [runId, token] of held) {
      await execute(tx, sql`update ${runLeases} set holder_id = null, expires_at = ${now} where run_id = ${runId} and holder_id = ${holderId} and token = ${token}`);
    }
  });
}

/**
 * Inside a write transaction: whether the run's lease is still `lease`'s holder and token. Not
 * whether it is unexpired: a lease that lapsed (a renewal delayed on a loaded machine) but that
 * nobody claimed is still this holder's, and a claim changes the token; refusing such a commit
 * would only throw the iteration away (measured: a loaded machine lost every neural iteration of
 * a test that way). On PostgreSQL the row is locked `for share` until the transaction ends: a
 * claim waiting on it skips the run, and one that committed since this transaction's snapshot
 * makes the lock fail with a serialization error, so writeTx runs the body again and it sees the
 * new holder.
 */
export async function leaseStillHeld(tx: Tx, runId: number, lease: LeaseToken): Promise<boolean> {
  const lock = connectionOf(tx).dialect === 'postgres' ? sql` for share` : sql``;
  const row = await queryFirst<{ holderId: string | null; token: number }>(tx, sql`
    select holder_id as "holderId", token from ${runLeases} where run_id = ${runId}${lock}`);
  return row !== undefined && row.holderId === lease.holderId && row.token === lease.token;
}

/** Every run's lease row (the runs page: who holds what). */
export async function listRunLeases(db: Db): Promise<Array<{ runId: number; holderId: string | null; token: number; expiresAt: number }>> {
  return db.select({ runId: runLeases.runId, holderId: runLeases.holderId, token: runLeases.token, expiresAt: runLeases.expiresAt }).from(runLeases);
}

import { lte, sql } from 'drizzle-orm';
import { connectionOf } from './client';
import { execute, queryRows } from './dialect';
import { leases, pairs, runs } from './schema';
import type { Tx } from './transactions';

/**
 * The row locks `rowLockTx` bodies take on PostgreSQL (db/transactions.ts; docs/deployment.md
 * lists which invariant each protects). On SQLite every helper here does nothing: its IMMEDIATE
 * transactions already run one at a time.
 *
 * `for no key update`, not `for update`: inserting a row that references the locked one (a lease
 * or a label on the pair, a pair on the run) takes `for key share` on it, which `for update`
 * would block and `for no key update` does not. Two `for no key update` locks on one row still
 * exclude each other, and a `delete` (the trainer retiring a pair) waits for them.
 */

const isPostgres = (tx: Tx) => connectionOf(tx).dialect === 'postgres';

/** Whether the helpers here lock anything (PostgreSQL): where they do not, a re-check after locking is needless. */
export const rowLocksTaken = isPostgres;

/**
 * Locks a pair's row until the transaction ends: every transaction that reads a pair's overlap
 * count (live labels + others' leases) and then changes it (grants a lease, inserts or undoes a
 * label) holds this first, so the count it reads after the lock stays true until it commits.
 */
export async function lockPair(tx: Tx, pairId: number): Promise<void> {
  if (isPostgres(tx)) await execute(tx, sql`select id from ${pairs} where id = ${pairId} for no key update`);
}

/** Locks a run's row until the transaction ends: the trainer's commits on one run take turns (its iteration counter, its slots). */
export async function lockRun(tx: Tx, runId: number): Promise<void> {
  if (isPostgres(tx)) await execute(tx, sql`select id from ${runs} where id = ${runId} for no key update`);
}

/**
 * Serialises the transactions that carry one client-chosen key (a submission id) until they end,
 * whatever pair they name: the second sees the first's row instead of colliding with it on the
 * unique index. A transaction-scoped advisory lock on (SUBMISSION_LOCK, hashtext(key)): two keys
 * that share a hash only wait for each other, which is harmless.
 */
export async function lockSubmission(tx: Tx, key: string): Promise<void> {
  if (isPostgres(tx)) await execute(tx, sql`select pg_advisory_xact_lock(${SUBMISSION_LOCK}, hashtext(${key}))`);
}

/** An arbitrary constant naming the advisory locks above (the first key). */
const SUBMISSION_LOCK = 727_003;

/**
 * Of `pairIds`, those this transaction could lock without waiting (`for update skip locked`:
 * a pair some other transaction holds, a lease being granted on it, is left out), locked until
 * it ends; on SQLite all of them. The caller re-checks its condition on them in a later
 * statement: a lease committed between this statement's snapshot and its lock is not seen here.
 */
export async function lockPairsSkippingLocked(tx: Tx, pairIds: readonly number[]): Promise<number[]> {
  if (pairIds.length === 0 || !isPostgres(tx)) return [...pairIds];
  const ids = sql.join(pairIds.map((id) => sql`${id}`), sql`, `);
  const rows = await queryRows<{ id: number }>(tx, sql`select id from ${pairs} where id in (${ids}) order by id for update skip locked`);
  return rows.map((r) => r.id);
}

/**
 * `query` (a select whose rows are `table`'s, possibly joined) locking the `table` rows it
 * returns until the transaction ends, skipping (`skip`) or waiting for (`wait`) the ones another
 * transaction holds; on SQLite the query as it is. As with lockPairsSkippingLocked, re-check the
 * condition on a row in a later statement after locking it.
 */
export function lockingRows<T>(tx: Tx, query: PromiseLike<T[]>, table: typeof pairs, mode: 'skip' | 'wait'): PromiseLike<T[]> {
  if (!isPostgres(tx)) return query;
  const pgQuery = query as unknown as { for: (strength: 'no key update', config: { of: unknown; skipLocked?: true }) => PromiseLike<T[]> };
  return pgQuery.for('no key update', mode === 'skip' ? { of: table, skipLocked: true } : { of: table });
}

/**
 * Deletes the leases that expired by `now`, leaving out those another transaction holds (it is
 * renewing or deleting them itself): concurrent label.next calls do not queue behind each other
 * on the same expired rows. An expired lease counts for nothing anyway; this only keeps the
 * availability scans small.
 */
export async function deleteExpiredLeases(tx: Tx, now: number): Promise<void> {
  if (isPostgres(tx)) {
    await execute(tx, sql`delete from ${leases} where (pair_id, user_id) in
      (select pair_id, user_id from ${leases} where expires_at <= ${now} for update skip locked)`);
  } else {
    await tx.delete(leases).where(lte(leases.expiresAt, now));
  }
}

import type { Db } from './client';

/** The transaction handle drizzle passes to `db.transaction`'s callback. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * Runs `fn` in an IMMEDIATE transaction: the write lock is taken at BEGIN. In WAL mode a
 * deferred transaction that reads and then writes fails at once with SQLITE_BUSY if another
 * process committed in between (busy_timeout does not help there); taking the lock up front
 * makes the other writer wait instead. Every write in this code base goes through here.
 * better-sqlite3 is synchronous, so `fn` must be synchronous too (no awaits inside).
 */
export function writeTx<T>(db: Db, fn: (tx: Tx) => T): T {
  return db.transaction(fn, { behavior: 'immediate' });
}

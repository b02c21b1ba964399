import { AsyncLocalStorage } from 'node:async_hooks';
import { sql } from 'drizzle-orm';
import { connectionOf, registerHandle, type Connection, type Db } from './client';
import { execute } from './dialect';

/** The handle `writeTx` passes to its body: the same query API as `Db`. */
export type Tx = Db;

/** The transaction the current async call chain is inside, per connection (a nested writeTx joins it). */
const current = new AsyncLocalStorage<{ connection: Connection; tx: Tx }>();

/**
 * Runs `fn` in ONE write transaction and returns its result; every write in this code base goes
 * through here, and `fn` must use `tx` (not the outer `db`) for its queries. A `writeTx` inside
 * another one's body on the same connection joins it (no savepoint: it commits or rolls back
 * with the outer one).
 *
 * SQLite: IMMEDIATE (the write lock is taken at BEGIN). In WAL mode a deferred transaction that
 * reads and then writes fails at once with SQLITE_BUSY if another process committed in between
 * (busy_timeout does not help there); taking the lock up front makes the other writer wait
 * instead. better-sqlite3 is synchronous and drizzle's `db.transaction` would commit before an
 * async body's awaits finish, so the transaction is run by hand on the connection's writer
 * handle, and the bodies of one process take turns on it (a queue): two concurrent requests can
 * never interleave inside one transaction. Reads outside a transaction use the other handle and
 * see committed data only.
 *
 * PostgreSQL: the same one-writer-at-a-time guarantee across every process on the database
 * (web replicas, trainers, their worker threads): READ COMMITTED, and the transaction's first
 * statement takes the writer lock (WRITER_LOCK, a transaction-scoped advisory lock) EXCLUSIVELY,
 * so it waits for every other write transaction, `rowLockTx`'s included, and none starts until it
 * commits: a body written against SQLite's serialised writers (read a count, then insert) holds
 * unchanged. The frequent transactions (label.next, label.submit, the trainer's commits) use
 * `rowLockTx` instead and run side by side; docs/deployment.md lists every call site and what
 * protects its invariant. Reads outside transactions never wait. A deadlock or serialization
 * failure is retried: the body then runs again from the start, so it must not act outside the
 * database.
 */
export async function writeTx<T>(db: Db, fn: (tx: Tx) => Promise<T> | T): Promise<T> {
  const connection = connectionOf(db);
  const outer = current.getStore();
  if (outer && outer.connection === connection) return fn(outer.tx);
  return connection.dialect === 'sqlite' ? sqliteImmediate(connection, fn) : postgresWriter(connection, 'exclusive', fn);
}

const sqliteTurns = new WeakMap<Connection, Promise<void>>();

async function sqliteImmediate<T>(connection: Connection, fn: (tx: Tx) => Promise<T> | T): Promise<T> {
  const previous = sqliteTurns.get(connection) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  sqliteTurns.set(connection, previous.then(() => mine));
  await previous;
  const writer = connection.sqliteWriter!;
  try {
    writer.sqlite.exec('BEGIN IMMEDIATE');
    try {
      const result = await current.run({ connection, tx: writer.db }, () => fn(writer.db));
      writer.sqlite.exec('COMMIT');
      return result;
    } catch (error) {
      if (writer.sqlite.inTransaction) writer.sqlite.exec('ROLLBACK');
      throw error;
    }
  } finally {
    release();
  }
}

/**
 * A write transaction whose correctness rests on the row locks its body takes (db/row-locks.ts:
 * the pair row before its overlap count is read or changed, the run row before the trainer's
 * commit, the run's label-insert lock; `for update skip locked` in the queue and the run-lease
 * claims), so that two of them on different rows run side by side. On PostgreSQL READ COMMITTED,
 * the isolation row-lock queues are designed for (under SERIALIZABLE two claimers that skip each
 * other's rows still abort each other as a read/write dependency), holding the writer lock SHARED:
 * `rowLockTx`s never wait for each other on it, and a `writeTx` (exclusive) waits for them and
 * they for it. A body must re-read what it checks after it took the lock that guards it (a new
 * statement sees every commit before it under READ COMMITTED). Deadlocks are retried as in
 * `writeTx`. On SQLite the same IMMEDIATE transaction as `writeTx`.
 */
export async function rowLockTx<T>(db: Db, fn: (tx: Tx) => Promise<T> | T): Promise<T> {
  const connection = connectionOf(db);
  const outer = current.getStore();
  if (outer && outer.connection === connection) return fn(outer.tx);
  return connection.dialect === 'sqlite' ? sqliteImmediate(connection, fn) : postgresWriter(connection, 'shared', fn);
}

/** serialization_failure, deadlock_detected: PostgreSQL asks the client to run the transaction again. */
const RETRYABLE = new Set(['40001', '40P01']);
export const POSTGRES_TX_ATTEMPTS = 30;

function postgresCode(error: unknown): string | undefined {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** An arbitrary constant naming the advisory lock every PostgreSQL write transaction takes first. */
const WRITER_LOCK = 727_002;

async function postgresWriter<T>(connection: Connection, mode: 'exclusive' | 'shared', fn: (tx: Tx) => Promise<T> | T): Promise<T> {
  const pgDb = connection.db as unknown as {
    transaction: <R>(body: (tx: Tx) => Promise<R>, config: { isolationLevel: 'read committed' }) => Promise<R>;
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return await pgDb.transaction(
        async (tx) => {
          registerHandle(tx, connection);
          await execute(
            tx,
            mode === 'exclusive' ? sql`select pg_advisory_xact_lock(${WRITER_LOCK})` : sql`select pg_advisory_xact_lock_shared(${WRITER_LOCK})`,
          );
          return current.run({ connection, tx }, () => Promise.resolve(fn(tx)));
        },
        { isolationLevel: 'read committed' },
      );
    } catch (error) {
      if (attempt >= POSTGRES_TX_ATTEMPTS || !RETRYABLE.has(postgresCode(error) ?? '')) throw error;
      // Jittered backoff, growing with the attempt: the transactions that collided start apart.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));
    }
  }
}

/**
 * Label ids must grow in COMMIT order within a run (the trainer's watermark,
 * checkpoints.label_watermark, takes every label of its run with a larger id as new). SQLite
 * serialises writers, so they do. A PostgreSQL sequence hands ids out at insert time, so a
 * transaction holding id 10 could commit after one holding id 11 was read: call this in a
 * transaction before it inserts a label of `runId`, and that run's label inserts take turns
 * until commit (a transaction-scoped advisory lock on (LABEL_INSERT_LOCK, run id)). Other runs'
 * inserts do not wait: no watermark spans two runs.
 */
export async function labelIdsInCommitOrder(tx: Tx, runId: number): Promise<void> {
  if (connectionOf(tx).dialect === 'postgres') await execute(tx, sql`select pg_advisory_xact_lock(${LABEL_INSERT_LOCK}, ${runId}::int)`);
}

/** An arbitrary constant naming the advisory locks above (the first key; the run id is the second). */
const LABEL_INSERT_LOCK = 727_001;

import Database from 'better-sqlite3';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import * as schema from './schema';
import { cacheStatements } from './statementCache';

/**
 * The one data-access type of the code base: server/, db/ and the trainer's store are written
 * once against it and AWAIT every query (`await db.select()...`, `await tx.insert()...`), so the
 * same code runs on SQLite (the embedded default) and on PostgreSQL (`DATABASE_URL`).
 *
 * Queries are built from the tables of db/schema.ts on both dialects: drizzle renders a table's
 * names and parameters with the CONNECTION's dialect, and every column of db/schema.ts maps its
 * values in a way PostgreSQL accepts for the column types of db/schema-pg.ts (booleans are sent
 * as 1/0, which PostgreSQL reads as a boolean parameter; JSON as text; numbers as numbers;
 * int8/numeric results are parsed back to numbers below). What differs between the dialects is
 * confined to this file, db/transactions.ts and db/dialect.ts.
 *
 * Not on this type, because one dialect lacks them: the SQLite builders' `.all() / .get() /
 * .run()` (await the builder instead; `firstRow` in db/dialect.ts for `.get()`), `db.all(sql)`
 * (`queryRows`), and `db.transaction` (`writeTx`, which keeps SQLite's IMMEDIATE semantics).
 */
export type Db = BaseSQLiteDatabase<'async', unknown, typeof schema>;

export type Dialect = 'sqlite' | 'postgres';

/**
 * Where a connection's database lives: what another thread or process needs to open its own
 * connection to the same database (a trainer worker thread: trainer/service/workers/).
 */
export type DatabaseLocation = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

/** What a connection knows beyond drizzle's handle: its dialect, how to write, how to close. */
export interface Connection {
  readonly dialect: Dialect;
  readonly location: DatabaseLocation;
  /** The handle queries run on outside transactions (SQLite: the reading connection). */
  readonly db: Db;
  /** SQLite only: the better-sqlite3 handle of `db` (pragmas, tests). */
  readonly sqlite?: Database.Database;
  /** SQLite only: the connection write transactions run on (opened on first use). */
  readonly sqliteWriter?: { sqlite: Database.Database; db: Db };
  /** PostgreSQL only: the pool. */
  readonly pool?: pg.Pool;
  close(): Promise<void>;
}

const connections = new WeakMap<object, Connection>();

/** The connection a handle (a `Db`, or a transaction handle passed to `writeTx`'s body) belongs to. */
export function connectionOf(db: Db): Connection {
  const connection = connections.get(db);
  if (!connection) throw new Error('this handle was not opened by db/client.ts (openDb / openPostgres / getDb)');
  return connection;
}

/** Registers a handle made from a connection (a transaction's), so connectionOf finds it. */
export function registerHandle(handle: object, connection: Connection): void {
  connections.set(handle, connection);
}

export function dialectOf(db: Db): Dialect {
  return connectionOf(db).dialect;
}

/** Default location when DATABASE_PATH is unset (relative to the working directory). */
export const DEFAULT_DATABASE_PATH = './data/app.sqlite';

function openSqliteHandle(absolute: string): { sqlite: Database.Database; db: Db } {
  const sqlite = new Database(absolute);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  cacheStatements(sqlite);
  // The sync driver's builders are thenables too (awaiting one runs it), so the async type fits.
  return { sqlite, db: drizzleSqlite({ client: sqlite, schema }) as unknown as Db };
}

/**
 * Opens (creating if needed) the SQLite file at `file` with the pragmas every connection needs:
 * WAL so the web app and the trainer read while the other writes, busy_timeout so a writer
 * waits for the lock instead of failing, NORMAL sync (safe in WAL), and foreign keys (off by
 * default in SQLite). Write transactions run on a second connection to the same file
 * (db/transactions.ts), so a read outside a transaction never sees another request's
 * uncommitted writes. Use this in tests and the trainer; the web app uses `getDb()`.
 */
export function openDb(file: string): Db {
  const absolute = path.resolve(file);
  fs.mkdirSync(path.dirname(absolute), { recursive: true, mode: 0o700 });
  ownerOnly(absolute);
  const connection = new SqliteConnection(absolute);
  registerHandle(connection.db, connection);
  return connection.db;
}

class SqliteConnection implements Connection {
  readonly dialect = 'sqlite' as const;
  readonly db: Db;
  readonly sqlite: Database.Database;
  readonly location: DatabaseLocation;
  private writer: { sqlite: Database.Database; db: Db } | undefined;

  constructor(private readonly file: string) {
    ({ sqlite: this.sqlite, db: this.db } = openSqliteHandle(file));
    this.location = { dialect: 'sqlite', path: file };
  }

  get sqliteWriter(): { sqlite: Database.Database; db: Db } {
    if (!this.writer) {
      this.writer = openSqliteHandle(this.file);
      registerHandle(this.writer.db, this);
    }
    return this.writer;
  }

  async close(): Promise<void> {
    this.writer?.sqlite.close();
    this.writer = undefined;
    this.sqlite.close();
  }
}

/**
 * The database holds emails and password hashes: owner read/write only (0600). SQLite creates
 * the -wal and -shm files with the main file's mode, so creating the main file 0600 (before
 * SQLite does, with the umask's 0644) covers all three; a file left 0644 by an older build is
 * tightened on open (only its owner can, so a failure there is not fatal).
 */
function ownerOnly(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((fs.statSync(f).mode & 0o077) !== 0) fs.chmodSync(f, 0o600);
    } catch {
      // absent (-wal/-shm before first use) or not ours: SQLite's own checks apply
    }
  }
}

// PostgreSQL's int8 (count(*), bigint columns: the millisecond timestamps) and numeric (sum, avg)
// arrive as strings from `pg`; the code base reads them as numbers, as SQLite returns them.
// Timestamps and counts stay far below 2^53. Global in `pg`, which only this module configures.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/** Connections per process to PostgreSQL (web requests or trainer work waiting on the database). */
export const POSTGRES_POOL_SIZE = 10;

/** Opens a pool on `url` (postgres://user:password@host:port/database). */
export function openPostgres(url: string, poolSize: number = POSTGRES_POOL_SIZE): Db {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client that loses its server (a restart) must not crash the process: the next
  // query gets a fresh client.
  pool.on('error', () => {});
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  const connection: Connection = { dialect: 'postgres', location: { dialect: 'postgres', url }, db, pool, close: () => pool.end() };
  registerHandle(db, connection);
  return db;
}

export function resolveDatabasePath(fromEnv: string | undefined = process.env.DATABASE_PATH): string {
  return path.resolve(fromEnv && fromEnv.trim() !== '' ? fromEnv : DEFAULT_DATABASE_PATH);
}

/** A `postgres://` / `postgresql://` DATABASE_URL selects PostgreSQL; anything else is refused. */
export function postgresUrlFrom(fromEnv: string | undefined = process.env.DATABASE_URL): string | null {
  if (fromEnv === undefined || fromEnv.trim() === '') return null;
  if (!/^postgres(ql)?:\/\//.test(fromEnv)) {
    throw new Error('DATABASE_URL must start with postgres:// (or be unset for SQLite at DATABASE_PATH)');
  }
  return fromEnv;
}

export function locationOf(db: Db): DatabaseLocation {
  return connectionOf(db).location;
}

/** A new connection to the database at `location` (its own pool of `poolSize` on PostgreSQL). */
export function openDatabaseAt(location: DatabaseLocation, poolSize?: number): Db {
  return location.dialect === 'postgres' ? openPostgres(location.url, poolSize) : openDb(location.path);
}

/** The configured database: PostgreSQL when DATABASE_URL is set, else SQLite at DATABASE_PATH. */
export function openConfiguredDb(env: { DATABASE_URL?: string | undefined; DATABASE_PATH?: string | undefined } = process.env as Record<string, string | undefined>): Db {
  const url = postgresUrlFrom(env.DATABASE_URL);
  return url ? openPostgres(url) : openDb(resolveDatabasePath(env.DATABASE_PATH));
}

// Survives Next's dev-mode module reloading, which would otherwise leak one handle per edit.
const globalForDb = globalThis as unknown as { __appDb?: Db };

/**
 * The web app's connection, opened on first use: `next build` imports every route module, and
 * opening the file at import time would create (or lock) a database during the build.
 */
export function getDb(): Db {
  globalForDb.__appDb ??= openConfiguredDb();
  return globalForDb.__appDb;
}

export function closeDb(db: Db): Promise<void> {
  return connectionOf(db).close();
}

/** The better-sqlite3 handle behind a SQLite `Db` (pragmas, SQLite-only tools); throws on PostgreSQL. */
export function sqliteClientOf(db: Db): Database.Database {
  const { sqlite } = connectionOf(db);
  if (!sqlite) throw new Error('this is a PostgreSQL connection; the operation needs SQLite');
  return sqlite;
}

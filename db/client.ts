import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import * as schema from './schema';
import { cacheStatements } from './statementCache';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** Default location when DATABASE_PATH is unset (relative to the working directory). */
export const DEFAULT_DATABASE_PATH = './data/app.sqlite';

/**
 * Opens (creating if needed) the SQLite file at `file` with the pragmas every connection needs:
 * WAL so the web app and the trainer read while the other writes, busy_timeout so a writer
 * waits for the lock instead of failing, NORMAL sync (safe in WAL), and foreign keys (off by
 * default in SQLite). Use this in tests and the trainer; the web app uses `getDb()`.
 */
export function openDb(file: string): Db {
  const absolute = path.resolve(file);
  fs.mkdirSync(path.dirname(absolute), { recursive: true, mode: 0o700 });
  ownerOnly(absolute);
  const sqlite = new Database(absolute);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  cacheStatements(sqlite);
  return drizzle({ client: sqlite, schema }) as Db;
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

export function resolveDatabasePath(fromEnv: string | undefined = process.env.DATABASE_PATH): string {
  return path.resolve(fromEnv && fromEnv.trim() !== '' ? fromEnv : DEFAULT_DATABASE_PATH);
}

// Survives Next's dev-mode module reloading, which would otherwise leak one handle per edit.
const globalForDb = globalThis as unknown as { __appDb?: Db };

/**
 * The web app's connection, opened on first use: `next build` imports every route module, and
 * opening the file at import time would create (or lock) a database during the build.
 */
export function getDb(): Db {
  globalForDb.__appDb ??= openDb(resolveDatabasePath());
  return globalForDb.__appDb;
}

export function closeDb(db: Db): void {
  db.$client.close();
}

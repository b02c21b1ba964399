import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { closeDb, openDb, type Db } from '@/db/client';
import { migrateDb } from '@/db/migrate';
import { freshPostgresDb } from './postgres';
import { clips, pairs, runs, CLIP_FORMAT_VERSION, type Role, type User } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { hashPassword, insertUser } from '@/db/users';
import { appRouter } from '@/server/root';
import { createContextInner } from '@/server/trpc';
import { returnedRow } from '@/db/dialect';

/** Test fixtures: a migrated SQLite FILE (not :memory:, so other processes can open it too). */

export function tempDbPath(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `h4-${label}-`));
  return path.join(dir, 'test.sqlite');
}

export interface FreshDb {
  db: Db;
  /** The SQLite file (empty on PostgreSQL). */
  file: string;
  /** What a child process needs to open the same database (DATABASE_PATH or DATABASE_URL). */
  env: Record<string, string>;
  cleanup: () => Promise<void>;
}

/**
 * A migrated, empty database of its own: a SQLite file by default; with TEST_DATABASE=postgres a
 * new database on the PostgreSQL server at TEST_POSTGRES_URL (tests/helpers/server/postgres.ts),
 * dropped again by `cleanup`.
 */
export async function freshDb(label: string): Promise<FreshDb> {
  if (process.env.TEST_DATABASE === 'postgres') return freshPostgresDb(label);
  const file = tempDbPath(label);
  const db = openDb(file);
  await migrateDb(db);
  return {
    db,
    file,
    env: { DATABASE_PATH: file },
    cleanup: async () => {
      await closeDb(db);
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    },
  };
}

/** bcrypt cost 4: the minimum, so fixtures stay fast; auth tests check real hashes separately. */
export const TEST_PASSWORD = 'correct horse battery';

export async function addUser(db: Db, role: Role, email: string = `${role}-${randomUUID().slice(0, 8)}@example.com`): Promise<User> {
  return writeTx(db, (tx) => insertUser(tx, { email, name: `Test ${role}`, role, passwordHash: hashPassword(TEST_PASSWORD, 4) }));
}

export interface RunFixture {
  runId: number;
  pairIds: number[];
}

/**
 * A run with `count` pairs over tiny grid5 clips. Priorities default to 0 with increasing
 * created_at, so the queue order is the insertion order unless `priorities` says otherwise.
 */
export async function addRun(
  db: Db,
  opts: {
    count: number;
    labelsWanted?: number;
    priorities?: number[];
    status?: 'active' | 'paused' | 'stopped';
    name?: string;
    baseTime?: number;
    /** Campaign settings (runs are open to all by default). */
    openToAll?: boolean;
    practicePairs?: number;
    preferenceStrength?: boolean;
    /** goldChoices[i] makes pair i gold with that answer. */
    goldChoices?: Array<'left' | 'right' | 'equal' | null>;
  },
): Promise<RunFixture> {
  return writeTx(db, async (tx) => {
    const now = opts.baseTime ?? 1_700_000_000_000;
    const run = await returnedRow(tx
      .insert(runs)
      .values({
        name: opts.name ?? 'test run',
        envId: 'grid5',
        algorithm: 'sobirl',
        instructions: 'Pick the clip nearer the goal.',
        status: opts.status ?? 'active',
        labelsWanted: opts.labelsWanted ?? 1,
        openToAll: opts.openToAll ?? true,
        practicePairs: opts.practicePairs ?? 0,
        preferenceStrength: opts.preferenceStrength ?? false,
      })
      .returning());
    const pairIds: number[] = [];
    for (let i = 0; i < opts.count; i++) {
      const clipIds = await inOrder(
        [0, 1],
        async (side) =>
          (await returnedRow(tx
            .insert(clips)
            .values({
              runId: run.id,
              envId: 'grid5',
              seed: i * 2 + side,
              states: [{ row: 0, col: side }, { row: 1, col: side }],
              actions: [1],
              logProbs: [Math.log(0.25)],
              trueReturn: 0,
              formatVersion: CLIP_FORMAT_VERSION,
            })
            .returning({ id: clips.id }))).id,
      );
      const pair = await returnedRow(tx
        .insert(pairs)
        .values({
          runId: run.id,
          clipAId: clipIds[0]!,
          clipBId: clipIds[1]!,
          priority: opts.priorities?.[i] ?? 0,
          labelsWanted: opts.labelsWanted ?? 1,
          goldChoice: opts.goldChoices?.[i] ?? null,
          createdAt: now + i,
        })
        .returning({ id: pairs.id }));
      pairIds.push(pair.id);
    }
    return { runId: run.id, pairIds };
  });
}

/** `n` runs of one pair each (the run-lease tests); their ids in creation order. */
export async function addRuns(db: Db, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await addRun(db, { count: 1 })).runId);
  return ids;
}

/** A manual clock for the context: `clock.now()` reads it, `clock.advance(ms)` moves it. */
export function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
    set: (ms: number) => {
      t = ms;
    },
  };
}

export function callerFor(db: Db, user: User | null, now?: () => number) {
  const session = user ? { user: { id: user.id, role: user.role, email: user.email, name: user.name } } : null;
  return appRouter.createCaller(createContextInner({ session, db, now }));
}

/** The tRPC error code a promise rejects with, or 'OK' when it resolves. */
export async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : `THREW ${String(error)}`;
  }
}

/** `items.map(fn)` for an async `fn`, one call after the other (inserts keep their order on every dialect). */
export async function inOrder<T, R>(items: readonly T[], fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const [index, item] of items.entries()) results.push(await fn(item, index));
  return results;
}

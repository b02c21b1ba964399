import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { openDb, type Db } from '@/db/client';
import { migrateDb } from '@/db/migrate';
import { clips, pairs, runs, CLIP_FORMAT_VERSION, type Role, type User } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { hashPassword, insertUser } from '@/db/users';
import { appRouter } from '@/server/root';
import { createContextInner } from '@/server/trpc';

/** Test fixtures: a migrated SQLite FILE (not :memory:, so other processes can open it too). */

export function tempDbPath(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `h4-${label}-`));
  return path.join(dir, 'test.sqlite');
}

export function freshDb(label: string): { db: Db; file: string; cleanup: () => void } {
  const file = tempDbPath(label);
  const db = openDb(file);
  migrateDb(db);
  return {
    db,
    file,
    cleanup: () => {
      db.$client.close();
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    },
  };
}

/** bcrypt cost 4: the minimum, so fixtures stay fast; auth tests check real hashes separately. */
export const TEST_PASSWORD = 'correct horse battery';

export function addUser(db: Db, role: Role, email: string = `${role}-${randomUUID().slice(0, 8)}@example.com`): User {
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
export function addRun(
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
): RunFixture {
  return writeTx(db, (tx) => {
    const now = opts.baseTime ?? 1_700_000_000_000;
    const run = tx
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
      .returning()
      .get();
    const pairIds: number[] = [];
    for (let i = 0; i < opts.count; i++) {
      const clipIds = [0, 1].map(
        (side) =>
          tx
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
            .returning({ id: clips.id })
            .get().id,
      );
      const pair = tx
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
        .returning({ id: pairs.id })
        .get();
      pairIds.push(pair.id);
    }
    return { runId: run.id, pairIds };
  });
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

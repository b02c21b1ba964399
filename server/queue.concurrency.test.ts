import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { labels, pairs } from '@/db/schema';
import { addRun, addUser, freshDb } from '@/tests/helpers/server/fixtures';

/**
 * Several OS processes (as the web server's replicas and the trainer would be) open the same
 * database (a SQLite file, or one PostgreSQL database in npm run test:postgres) and lease from
 * one queue at once. The write transactions (SQLite IMMEDIATE, PostgreSQL one writer at a time) must keep
 * the overlap: with labels_wanted = k, every pair goes to exactly k different users, never more.
 */

const WORKER = path.join(import.meta.dirname, '../tests/helpers/server/lease-worker.ts');
const ROOT = path.join(import.meta.dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  done: Promise<number[]>;
}

/** `database`: DATABASE_PATH or DATABASE_URL of the test's database (fixtures.ts FreshDb.env). */
function startWorker(database: Record<string, string>, userId: number, mode: 'lease' | 'label'): Worker {
  const env = { ...process.env, DATABASE_PATH: undefined, DATABASE_URL: undefined, ...database };
  const child = spawn(TSX, [WORKER, String(userId), mode], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<number[]>((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`worker for user ${userId} exited ${code}: ${stderr}`));
      const last = stdout.trim().split('\n').pop()!;
      resolve((JSON.parse(last) as { pairIds: number[] }).pairIds);
    }),
  );
  // A crash before 'ready' must fail the test, not hang it.
  done.catch(() => markReady());
  return { child, ready, done };
}

/** Starts one process per user, waits until all have the database open, then releases them together. */
async function raceWorkers(database: Record<string, string>, userIds: number[], mode: 'lease' | 'label'): Promise<number[][]> {
  const workers = userIds.map((id) => startWorker(database, id, mode));
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.child.stdin!.end('go\n');
  return Promise.all(workers.map((w) => w.done));
}

function countBy(ids: number[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

describe('queue under concurrent processes', () => {
  it('leases each pair once when overlap is 1, and exactly k times with overlap k', async () => {
    const fixture = await freshDb('concurrency');
    cleanup = fixture.cleanup;
    const { db, env } = fixture;
    const single = await addRun(db, { count: 120, labelsWanted: 1, name: 'overlap 1' });
    const double = await addRun(db, { count: 25, labelsWanted: 2, name: 'overlap 2' });
    const users = [await addUser(db, 'annotator'), await addUser(db, 'annotator'), await addUser(db, 'annotator')];

    const perWorker = await raceWorkers(env, users.map((u) => u.id), 'lease');
    for (const ids of perWorker) expect(new Set(ids).size).toBe(ids.length); // nobody got a pair twice
    const counts = countBy(perWorker.flat());
    for (const id of single.pairIds) expect(counts.get(id), `pair ${id} (overlap 1)`).toBe(1);
    for (const id of double.pairIds) expect(counts.get(id), `pair ${id} (overlap 2)`).toBe(2);
    // The processes really did race: the overlap-1 pairs were split between at least two of them.
    const singleSet = new Set(single.pairIds);
    const gotSingles = perWorker.filter((ids) => ids.some((id) => singleSet.has(id)));
    expect(gotSingles.length).toBeGreaterThanOrEqual(2);
  });

  it('ends with exactly labels_wanted labels per pair when workers lease and answer', async () => {
    const fixture = await freshDb('concurrency-label');
    cleanup = fixture.cleanup;
    const { db, env } = fixture;
    const { runId, pairIds } = await addRun(db, { count: 30, labelsWanted: 2 });
    const users = [await addUser(db, 'annotator'), await addUser(db, 'annotator'), await addUser(db, 'annotator')];

    const perWorker = await raceWorkers(env, users.map((u) => u.id), 'label');
    expect(perWorker.flat()).toHaveLength(2 * pairIds.length);
    const perPair = await db
      .select({ pairId: labels.pairId, n: sql<number>`count(*)`, users: sql<number>`count(distinct ${labels.userId})` })
      .from(labels)
      .groupBy(labels.pairId);
    expect(perPair).toHaveLength(pairIds.length);
    for (const row of perPair) expect([row.n, row.users]).toEqual([2, 2]);
    const pending = (await db.select().from(pairs).where(eq(pairs.runId, runId))).filter((p) => p.status !== 'done');
    expect(pending).toEqual([]);
  });
});

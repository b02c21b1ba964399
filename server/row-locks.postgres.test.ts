import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { openDatabaseAt, closeDb, type Db } from '@/db/client';
import { execute, queryRows } from '@/db/dialect';
import { lockPair, lockRun } from '@/db/row-locks';
import { labels, leases, pairs } from '@/db/schema';
import { labelIdsInCommitOrder, rowLockTx } from '@/db/transactions';
import type { User } from '@/db/schema';
import { topUpPairs } from '@/trainer/service/store';
import { addRun, addUser, freshDb, type FreshDb } from '@/tests/helpers/server/fixtures';
import { leaseNextPair } from './queue';
import { submitLabel } from './labeling';

/**
 * label.next, label.submit and the trainer's commits on PostgreSQL run side by side under row
 * locks (db/row-locks.ts) instead of one global writer lock: many connections at once still keep
 * each pair's overlap and lose no label, and a transaction holding one run's locks does not
 * block another run's writes (asserted with lock_timeout, not with timing).
 */
let env: FreshDb;
let db: Db;
/** Several pools on the one database, as several web replicas would have. */
let replicas: Db[];
const T0 = 1_700_000_000_000;

beforeAll(async () => {
  env = await freshDb('pg-row-locks');
  db = env.db;
  replicas = [0, 1, 2].map(() => openDatabaseAt({ dialect: 'postgres', url: env.env.DATABASE_URL! }, 8));
});
afterAll(async () => {
  for (const replica of replicas) await closeDb(replica);
  await env.cleanup();
});

/** The PostgreSQL error code behind drizzle's wrapping. */
function codeOf(error: unknown): string {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  throw error;
}

const replicaFor = (i: number) => replicas[i % replicas.length]!;

async function usersOf(n: number): Promise<User[]> {
  const users: User[] = [];
  for (let i = 0; i < n; i++) users.push(await addUser(db, 'annotator'));
  return users;
}

describe('row locks on PostgreSQL', () => {
  it('never leases a pair beyond its overlap when 30 annotators ask at once over three pools', async () => {
    const { runId, pairIds } = await addRun(db, { count: 8, labelsWanted: 2 });
    const users = await usersOf(30);
    const got = await Promise.all(users.map((u, i) => leaseNextPair(replicaFor(i), { userId: u.id, runId, now: T0 })));
    const leased = got.filter((p) => p !== null).map((p) => p.id);
    // 8 pairs x overlap 2 = 16 leases exactly: none over the overlap, none left unused while asked for.
    expect(leased).toHaveLength(16);
    for (const pairId of pairIds) expect(leased.filter((id) => id === pairId)).toHaveLength(2);
    const rows = await queryRows<{ pairId: number; n: number }>(db, sql`select pair_id as "pairId", count(*)::int as n from ${leases} group by pair_id`);
    expect(rows.filter((r) => pairIds.includes(r.pairId)).every((r) => r.n === 2)).toBe(true);
  });

  it('waits for a pair another transaction holds rather than answering "queue empty" when it is the only one left', async () => {
    const { runId, pairIds } = await addRun(db, { count: 1, labelsWanted: 2 });
    const [user] = await usersOf(1);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let markHeld!: () => void;
    const held = new Promise<void>((resolve) => (markHeld = resolve));
    // Another label.next or submit on the pair in progress: it holds the row and commits nothing that changes it.
    const holding = rowLockTx(db, async (tx) => {
      await lockPair(tx, pairIds[0]!);
      markHeld();
      await released;
    });
    await held;
    const asked = leaseNextPair(replicaFor(0), { userId: user!.id, runId, now: T0 });
    const answer = await Promise.race([asked.then((p) => p?.id ?? null), new Promise((resolve) => setTimeout(() => resolve('waiting'), 300))]);
    expect(answer).toBe('waiting');
    release();
    await holding;
    expect((await asked)?.id).toBe(pairIds[0]);
  });

  it('keeps each pair at its overlap and loses no label when annotators lease and submit at once, each submission sent twice', async () => {
    const { runId, pairIds } = await addRun(db, { count: 6, labelsWanted: 3 });
    const users = await usersOf(24);
    const stored: number[] = [];
    await Promise.all(
      users.map(async (u, i) => {
        for (let round = 0; ; round++) {
          const pair = await leaseNextPair(replicaFor(i), { userId: u.id, runId, now: T0 + round });
          if (!pair) return;
          const input = { submissionId: randomUUID(), pairId: pair.id, choice: 'left' as const, shownAt: T0, answeredAt: T0 + 10 };
          // A network retry racing the first send: one label, the other answer marked duplicate.
          const [a, b] = await Promise.all([
            submitLabel(replicaFor(i + 1), u, input, T0 + round),
            submitLabel(replicaFor(i + 2), u, input, T0 + round),
          ]);
          expect(a.labelId).toBe(b.labelId);
          expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
          stored.push(a.labelId);
        }
      }),
    );
    const rows = await db.select({ id: labels.id, pairId: labels.pairId }).from(labels).innerJoin(pairs, eq(pairs.id, labels.pairId)).where(eq(pairs.runId, runId));
    expect(rows.map((r) => r.id).sort((x, y) => x - y)).toEqual([...stored].sort((x, y) => x - y));
    expect(rows).toHaveLength(6 * 3);
    for (const pairId of pairIds) expect(rows.filter((r) => r.pairId === pairId)).toHaveLength(3);
    const done = await db.select({ status: pairs.status }).from(pairs).where(eq(pairs.runId, runId));
    expect(done.every((p) => p.status === 'done')).toBe(true);
  });

  it("does not block run B's lease, label and trainer commit while a transaction holds run A's locks, and does block run A's", async () => {
    const a = await addRun(db, { count: 2, name: 'run A' });
    const b = await addRun(db, { count: 2, name: 'run B' });
    const [holder, other] = await usersOf(2);
    // The user leases on run A now so that a submit on A is possible later (it must wait, not fail on the lease check).
    const pairA = (await leaseNextPair(db, { userId: other!.id, runId: a.runId, now: T0 }))!;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let markHeld!: () => void;
    const held = new Promise<void>((resolve) => (markHeld = resolve));
    // Run A's row, its pair and its label-insert lock, held until released: a submit and a commit on A in progress.
    const holding = rowLockTx(db, async (tx) => {
      await lockRun(tx, a.runId);
      await lockPair(tx, pairA.id);
      await labelIdsInCommitOrder(tx, a.runId);
      markHeld();
      await released;
    });
    await held;
    /** `work` in a transaction that gives up on any lock after 300 ms (55P03 lock_not_available). */
    const impatient = <T>(replica: Db, work: (tx: Db) => Promise<T>) =>
      rowLockTx(replica, async (tx) => {
        await execute(tx, sql`set local lock_timeout = '300ms'`);
        return work(tx);
      });
    const failureCode = (attempt: Promise<unknown>) => attempt.then(() => 'committed', codeOf);
    try {
      const r = replicaFor(0);
      const pairB = await impatient(r, () => leaseNextPair(r, { userId: holder!.id, runId: b.runId, now: T0 }));
      expect(pairB?.runId).toBe(b.runId);
      const label = await impatient(r, () =>
        submitLabel(r, holder!, { submissionId: randomUUID(), pairId: pairB!.id, choice: 'right', shownAt: T0, answeredAt: T0 + 5 }, T0),
      );
      expect(label.duplicate).toBe(false);
      const topUp = { envId: 'grid5', checkpointId: 0, iteration: 0, pairs: [], pendingTarget: 0, labelsWanted: 1, now: T0 };
      await expect(impatient(r, () => topUpPairs(r, { ...topUp, runId: b.runId }))).resolves.toBe(0);
      // The same three on run A wait for the holder, so they give up: the locks are really taken.
      expect(
        await failureCode(impatient(r, () =>
          submitLabel(r, other!, { submissionId: randomUUID(), pairId: pairA.id, choice: 'left', shownAt: T0, answeredAt: T0 + 5 }, T0))),
      ).toBe('55P03');
      expect(await failureCode(impatient(r, () => topUpPairs(r, { ...topUp, runId: a.runId })))).toBe('55P03');
      expect(await failureCode(impatient(r, (tx) => labelIdsInCommitOrder(tx, a.runId)))).toBe('55P03');
      // Run B's label-insert lock is free meanwhile.
      expect(await failureCode(impatient(r, (tx) => labelIdsInCommitOrder(tx, b.runId)))).toBe('committed');
    } finally {
      release();
      await holding;
    }
  });
});

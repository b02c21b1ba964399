import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Db } from './client';
import { labels, users } from './schema';
import { labelIdsInCommitOrder, rowLockTx, writeTx } from './transactions';
import { addRun, addUser, freshDb, type FreshDb } from '@/tests/helpers/server/fixtures';

/** writeTx on a real PostgreSQL server (vitest.postgres.config.ts): one writer at a time (no lost update), rollback, and label ids in commit order. */
let env: FreshDb;
let db: Db;
beforeAll(async () => {
  env = await freshDb('pg-transactions');
  db = env.db;
});
afterAll(() => env.cleanup());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('writeTx on PostgreSQL', () => {
  it('loses no update among concurrent read-modify-write transactions (the writers take turns)', async () => {
    const user = await addUser(db, 'annotator');
    const bump = () =>
      writeTx(db, async (tx) => {
        const [row] = await tx.select({ v: users.sessionVersion }).from(users).where(eq(users.id, user.id));
        await sleep(2);
        await tx.update(users).set({ sessionVersion: row!.v + 1 }).where(eq(users.id, user.id));
      });
    await Promise.all(Array.from({ length: 12 }, bump));
    const [after] = await db.select({ v: users.sessionVersion }).from(users).where(eq(users.id, user.id));
    expect(after!.v).toBe(12);
  });

  it('rolls back a body that throws', async () => {
    const user = await addUser(db, 'annotator');
    await expect(
      writeTx(db, async (tx) => {
        await tx.update(users).set({ name: 'changed' }).where(eq(users.id, user.id));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const [row] = await db.select({ name: users.name }).from(users).where(eq(users.id, user.id));
    expect(row!.name).toBe('Test annotator');
  });

  it('hands out label ids in commit order: a second label insert waits for the first one to commit', async () => {
    const user = await addUser(db, 'annotator');
    const { runId, pairIds } = await addRun(db, { count: 2 });
    const finished: string[] = [];
    const insert = (pairId: number, name: string, holdMs: number) =>
      rowLockTx(db, async (tx) => {
        await labelIdsInCommitOrder(tx, runId);
        const [row] = await tx
          .insert(labels)
          .values({ submissionId: `${name}-${pairId}`, pairId, userId: user.id, choice: 'left', y: 1, shownAt: 1, answeredAt: 2, responseMs: 1, createdAt: 3 })
          .returning({ id: labels.id });
        await sleep(holdMs);
        return row!.id;
      }).then((id) => {
        finished.push(name);
        return id;
      });
    const first = insert(pairIds[0]!, 'first', 300);
    await sleep(50); // the first holds its id (and the lock) now
    const second = insert(pairIds[1]!, 'second', 0);
    const [firstId, secondId] = await Promise.all([first, second]);
    // Without the lock the second would commit first, with the larger id: a reader between the
    // two commits would move its watermark past the first label and never read it.
    expect(finished).toEqual(['first', 'second']);
    expect(secondId).toBeGreaterThan(firstId);
  });
});

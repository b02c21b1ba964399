import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { closeDb, connectionOf, openDb, sqliteClientOf, type Db } from './client';
import { migrateDb } from './migrate';
import { labels, leases, users } from './schema';
import { writeTx } from './transactions';
import { addRun, addUser, freshDb } from '@/tests/helpers/server/fixtures';
import { firstRow } from '@/db/dialect';

let db: Db;
let file: string;
let cleanup: () => void;
beforeAll(async () => ({ db, file, cleanup } = (await freshDb('client'))));
afterAll(() => cleanup());

describe('openDb', () => {
  it('sets the pragmas two processes sharing the file need, on the reading and the writing connection', async () => {
    const other = openDb(file); // a second connection gets them too
    for (const conn of [db, other]) {
      const { sqlite, sqliteWriter } = connectionOf(conn);
      for (const handle of [sqlite!, sqliteWriter!.sqlite]) {
        expect(handle.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(handle.pragma('busy_timeout', { simple: true })).toBe(5000);
        expect(handle.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
        expect(handle.pragma('foreign_keys', { simple: true })).toBe(1);
      }
    }
    await closeDb(other);
  });

  it('applies migrations once; running them again changes nothing', async () => {
    const tables = () => sqliteClientOf(db).prepare("select name from sqlite_master where type = 'table' order by name").pluck().all();
    const before = tables();
    expect(before).toEqual(expect.arrayContaining(['users', 'runs', 'checkpoints', 'clips', 'pairs', 'leases', 'labels', 'metrics']));
    await migrateDb(db);
    expect(tables()).toEqual(before);
  });
});

describe('schema constraints', () => {
  it('allows one live label per (pair, user) but keeps undone ones beside it', async () => {
    const user = await addUser(db, 'annotator');
    const { pairIds } = await addRun(db, { count: 1 });
    const pairId = pairIds[0]!;
    const label = (submissionId: string) => ({ submissionId, pairId, userId: user.id, choice: 'left' as const, y: 1, shownAt: 1, answeredAt: 2, responseMs: 1 });
    await db.insert(labels).values(label('a'));
    await expect(db.insert(labels).values(label('b'))).rejects.toThrow(/UNIQUE/);
    await db.update(labels).set({ undoneAt: 5 }).where(eq(labels.submissionId, 'a'));
    await db.insert(labels).values(label('b'));
    expect(await db.select().from(labels).where(eq(labels.pairId, pairId))).toHaveLength(2);
    const other = await addUser(db, 'annotator');
    await expect(db.insert(labels).values({ ...label('c'), userId: other.id, submissionId: 'a' })).rejects.toThrow(/UNIQUE/);
  });

  it('enforces foreign keys and the enum checks', async () => {
    await expect(db.insert(leases).values({ pairId: 999_999, userId: 999_999, expiresAt: 1 })).rejects.toThrow(/FOREIGN KEY/);
    await expect(db.insert(users).values({ email: 'x@example.com', name: 'x', role: 'root' as never, passwordHash: 'h', pseudonym: 'p-1' })).rejects.toThrow(/CHECK/);
  });
});

describe('writeTx on SQLite', () => {
  it('rolls an IMMEDIATE write transaction back when its function throws', async () => {
    const email = 'rollback@example.com';
    await expect(
      writeTx(db, async (tx) => {
        await tx.insert(users).values({ email, name: 'r', role: 'annotator', passwordHash: 'h', pseudonym: 'ann-rb' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await firstRow(db.select().from(users).where(eq(users.email, email)))).toBeUndefined();
  });

  it('takes the write lock at BEGIN (IMMEDIATE): another connection cannot write until it commits', async () => {
    const other = openDb(file);
    try {
      await writeTx(db, async () => {
        // busy_timeout would make this wait 5 s; 0 makes the refusal immediate.
        const blocked = connectionOf(other).sqlite!;
        blocked.pragma('busy_timeout = 0');
        expect(() => blocked.prepare("update users set name = name where id = 0").run()).toThrow(/locked|busy/i);
      });
    } finally {
      await closeDb(other);
    }
  });

  /**
   * Two requests of one process in flight at once, each a read-modify-write with awaits inside
   * (what every router's transaction is). drizzle's own better-sqlite3 `transaction` commits an
   * async body at its first await, and two bodies on one connection would run inside one
   * transaction: an increment is lost or a BEGIN fails. writeTx gives each body the connection
   * to itself until it commits.
   */
  it('never interleaves two concurrent async transactions of one process', async () => {
    const user = await addUser(db, 'annotator');
    const bump = (pause: number, fail: boolean) =>
      writeTx(db, async (tx) => {
        const [row] = await tx.select({ v: users.sessionVersion }).from(users).where(eq(users.id, user.id));
        await new Promise((resolve) => setTimeout(resolve, pause)); // the other request gets the event loop here
        await tx.update(users).set({ sessionVersion: row!.v + 1 }).where(eq(users.id, user.id));
        if (fail) throw new Error('rolled back');
      });
    const outcomes = await Promise.allSettled([bump(20, false), bump(0, true), bump(5, false), bump(0, false)]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const [after] = await db.select({ v: users.sessionVersion }).from(users).where(eq(users.id, user.id));
    expect(after!.v).toBe(3); // three committed increments, the failed one rolled back alone
  });

  it('keeps a transaction\'s writes invisible to reads outside it until it commits', async () => {
    const user = await addUser(db, 'annotator');
    let seenOutside: number | undefined;
    await writeTx(db, async (tx) => {
      await tx.update(users).set({ name: 'renamed' }).where(eq(users.id, user.id));
      const [outside] = await db.select({ name: users.name }).from(users).where(eq(users.id, user.id));
      seenOutside = outside!.name === 'renamed' ? 1 : 0;
    });
    expect(seenOutside).toBe(0);
    const [committed] = await db.select({ name: users.name }).from(users).where(eq(users.id, user.id));
    expect(committed!.name).toBe('renamed');
  });

  it('joins a writeTx nested in another one (one transaction, no deadlock)', async () => {
    const user = await addUser(db, 'annotator');
    await expect(
      writeTx(db, async (tx) => {
        await tx.update(users).set({ name: 'outer' }).where(eq(users.id, user.id));
        await writeTx(db, (inner) => inner.update(users).set({ name: 'inner' }).where(eq(users.id, user.id)));
        throw new Error('undo both');
      }),
    ).rejects.toThrow('undo both');
    const [row] = await db.select({ name: users.name }).from(users).where(eq(users.id, user.id));
    expect(row!.name).toBe('Test annotator');
  });
});

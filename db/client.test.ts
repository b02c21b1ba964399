import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { openDb, type Db } from './client';
import { migrateDb } from './migrate';
import { labels, leases, users } from './schema';
import { writeTx } from './transactions';
import { addRun, addUser, freshDb } from '@/tests/helpers/server/fixtures';

let db: Db;
let file: string;
let cleanup: () => void;
beforeAll(() => ({ db, file, cleanup } = freshDb('client')));
afterAll(() => cleanup());

describe('openDb', () => {
  it('sets the pragmas two processes sharing the file need', () => {
    const other = openDb(file); // a second connection gets them too
    for (const conn of [db, other]) {
      expect(conn.$client.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(conn.$client.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(conn.$client.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(conn.$client.pragma('foreign_keys', { simple: true })).toBe(1);
    }
    other.$client.close();
  });

  it('applies migrations once; running them again changes nothing', () => {
    const tables = () => db.$client.prepare("select name from sqlite_master where type = 'table' order by name").pluck().all();
    const before = tables();
    expect(before).toEqual(expect.arrayContaining(['users', 'runs', 'checkpoints', 'clips', 'pairs', 'leases', 'labels', 'metrics']));
    migrateDb(db);
    expect(tables()).toEqual(before);
  });
});

describe('schema constraints', () => {
  it('allows one live label per (pair, user) but keeps undone ones beside it', () => {
    const user = addUser(db, 'annotator');
    const { pairIds } = addRun(db, { count: 1 });
    const pairId = pairIds[0]!;
    const label = (submissionId: string) => ({ submissionId, pairId, userId: user.id, choice: 'left' as const, y: 1, shownAt: 1, answeredAt: 2, responseMs: 1 });
    db.insert(labels).values(label('a')).run();
    expect(() => db.insert(labels).values(label('b')).run()).toThrow(/UNIQUE/);
    db.update(labels).set({ undoneAt: 5 }).where(eq(labels.submissionId, 'a')).run();
    db.insert(labels).values(label('b')).run();
    expect(db.select().from(labels).where(eq(labels.pairId, pairId)).all()).toHaveLength(2);
    expect(() => db.insert(labels).values({ ...label('c'), userId: addUser(db, 'annotator').id, submissionId: 'a' }).run()).toThrow(/UNIQUE/);
  });

  it('enforces foreign keys and the enum checks', () => {
    expect(() => db.insert(leases).values({ pairId: 999_999, userId: 999_999, expiresAt: 1 }).run()).toThrow(/FOREIGN KEY/);
    expect(() =>
      db.insert(users).values({ email: 'x@example.com', name: 'x', role: 'root' as never, passwordHash: 'h', pseudonym: 'p-1' }).run(),
    ).toThrow(/CHECK/);
  });

  it('rolls an IMMEDIATE write transaction back when its function throws', () => {
    const email = 'rollback@example.com';
    expect(() =>
      writeTx(db, (tx) => {
        tx.insert(users).values({ email, name: 'r', role: 'annotator', passwordHash: 'h', pseudonym: 'ann-rb' }).run();
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(db.select().from(users).where(eq(users.email, email)).get()).toBeUndefined();
  });
});

import Database from 'better-sqlite3';
import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheStatements } from './statementCache';

const items = sqliteTable('items', { id: integer('id').primaryKey(), name: text('name').notNull() });
let sqlite: Database.Database;

beforeEach(() => {
  sqlite = new Database(':memory:');
  sqlite.exec(`create table items (id integer primary key, name text not null); insert into items (name) values ('a'), ('b'), ('c');`);
  cacheStatements(sqlite, 3);
});
afterEach(() => sqlite.close());

describe('cacheStatements', () => {
  it('hands back the same statement for the same SQL text, a new one for another', () => {
    const first = sqlite.prepare('select name from items where id = ?');
    expect(sqlite.prepare('select name from items where id = ?')).toBe(first);
    expect(sqlite.prepare('select name from items where id > ?')).not.toBe(first);
    expect(first.get(2)).toEqual({ name: 'b' });
  });

  it('resets the mode drizzle left on a shared statement: raw arrays for one caller, objects for the next', () => {
    const db = drizzle({ client: sqlite });
    const query = db.select({ id: items.id, name: items.name }).from(items).where(eq(items.id, 1));
    expect(query.get()).toEqual({ id: 1, name: 'a' }); // drizzle reads it in raw() mode and maps the row itself
    const { sql: text, params } = query.toSQL();
    expect(sqlite.prepare(text).get(...params)).toEqual({ id: 1, name: 'a' }); // same statement, object mode again
    expect(db.all(sql.raw(`select id, name from items where id = 1`))).toEqual([{ id: 1, name: 'a' }]);
    expect(query.get()).toEqual({ id: 1, name: 'a' });
    const plucked = sqlite.prepare('select name from items order by id').pluck();
    expect(plucked.all()).toEqual(['a', 'b', 'c']);
    expect(sqlite.prepare('select name from items order by id').all()).toEqual([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
  });

  it('gives a statement that is still being iterated a fresh twin instead of reusing it', () => {
    const text = 'select id from items order by id';
    const seen: number[][] = [];
    for (const row of sqlite.prepare(text).iterate() as IterableIterator<{ id: number }>) {
      seen.push([row.id, ...(sqlite.prepare(text).all() as { id: number }[]).map((r) => r.id)]);
    }
    expect(seen).toEqual([[1, 1, 2, 3], [2, 1, 2, 3], [3, 1, 2, 3]]);
  });

  it('keeps the most recently used texts up to its capacity', () => {
    const texts = [1, 2, 3, 4].map((n) => `select ${n} as n`);
    const [s1, s2] = [sqlite.prepare(texts[0]!), sqlite.prepare(texts[1]!)];
    sqlite.prepare(texts[2]!);
    expect(sqlite.prepare(texts[0]!)).toBe(s1); // used again: now the most recent
    sqlite.prepare(texts[3]!); // capacity 3: drops the least recently used, texts[1]
    expect(sqlite.prepare(texts[0]!)).toBe(s1);
    expect(sqlite.prepare(texts[1]!)).not.toBe(s2);
  });

  it('leaves writes and transactions working', () => {
    const db = drizzle({ client: sqlite });
    for (let i = 0; i < 3; i++) db.transaction((tx) => tx.insert(items).values({ name: `n${i}` }).run(), { behavior: 'immediate' });
    expect(db.select({ n: sql<number>`count(*)` }).from(items).get()).toEqual({ n: 6 });
  });
});

import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * eslint.config.mjs's rule against synchronous SQLite query calls on the async `Db`
 * (db/client.ts): they type-check, run on SQLite, and throw on PostgreSQL. Checked on small
 * made-up files placed (virtually) in the folders the rule covers and in the SQLite
 * implementation it exempts: a selector that stopped matching, or matched a Map's `.get(key)`,
 * fails here.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

async function syncQueryErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

const HEADER = `import { eq, sql } from 'drizzle-orm';\nimport type { Db } from '@/db/client';\nimport { users } from '@/db/schema';\n`;

const forbidden: Array<[string, string]> = [
  ['server/example.ts', `${HEADER}export const f = (db: Db) => db.select().from(users).all();`],
  ['server/example.ts', `${HEADER}export const f = (db: Db) => db.select().from(users).where(eq(users.id, 1)).get();`],
  ['server/example.ts', `${HEADER}export const f = (db: Db) => db.update(users).set({ name: 'x' })\n  .run();`],
  ['trainer/service/example.ts', `${HEADER}export const f = (db: Db) => db.insert(users).values({} as never).returning().get();`],
  ['server/example.ts', `${HEADER}export const f = (db: Db) => db.all(sql\`select 1\`);`],
  ['db/example.ts', `${HEADER}export const f = (tx: Db) => tx.run(sql\`delete from users\`);`],
  ['server/example.ts', `${HEADER}export const f = (ctx: { db: Db }) => ctx.db.get(sql\`select 1\`);`],
  ['scripts/example.ts', `${HEADER}export const f = (db: Db) => db.transaction((tx) => tx.delete(users));`],
  // Tests run on PostgreSQL too (npm run test:postgres): the rule covers them.
  ['server/example.test.ts', `${HEADER}export const f = (db: Db) => db.select().from(users).all();`],
];

const allowed: Array<[string, string]> = [
  ['server/example.ts', `${HEADER}export const f = async (db: Db) => (await db.select().from(users).where(eq(users.id, 1)))[0];`],
  ['server/example.ts', `export const f = (m: Map<string, number>, h: Headers) => [m.get('a'), h.get('cookie'), [...m.values()]];`],
  ['server/example.ts', `export class Loop {\n  private run(): number { return 1; }\n  start() { return this.run(); }\n}`],
  ['server/example.test.ts', `import Database from 'better-sqlite3';\nexport const f = (s: Database.Database) => s.prepare('select 1').get();`],
  // The SQLite implementation itself, and Playwright specs reading the file through better-sqlite3.
  ['db/client.ts', `${HEADER}export const f = (db: Db) => db.select().from(users).all();`],
  ['tests/e2e/example.spec.ts', `import Database from 'better-sqlite3';\nexport const f = (db: Database.Database) => db.transaction(() => 1)();`],
];

describe('no synchronous SQLite query calls on the async Db', () => {
  it.each(forbidden)('refuses %s: %s', async (file, source) => {
    const errors = await syncQueryErrors(file, source);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/crashes on PostgreSQL/);
  });

  it.each(allowed)('allows %s: %s', async (file, source) => {
    expect(await syncQueryErrors(file, source)).toEqual([]);
  });
});

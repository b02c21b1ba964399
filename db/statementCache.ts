import type Database from 'better-sqlite3';

/**
 * Makes `sqlite.prepare` reuse the prepared statement of an SQL text seen before, instead of
 * compiling it again. drizzle's better-sqlite3 driver calls `prepare` for every query it runs, so
 * each label.next / label.submit recompiled the same dozen statements: ~20% of the CPU those
 * procedures spend in-process (sqlite3_prepare_v2 plus better-sqlite3's wrapper). The queries
 * themselves are unchanged.
 *
 * Safe to share because better-sqlite3 is synchronous: a statement runs to completion before
 * anything else can prepare it again, except one still being iterated (`busy`), which gets a fresh
 * statement. A reused reading statement is handed back in its default mode (objects, not raw
 * arrays: drizzle switches to raw() per query and never back). Least recently used texts are
 * dropped past `capacity` (texts differ with the length of an IN (...) list, so they are many,
 * not unbounded in kind).
 */
export function cacheStatements(sqlite: Database.Database, capacity = 500): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  const cached = (source: string): Database.Statement => {
    const hit = cache.get(source);
    cache.delete(source);
    if (hit && !hit.busy) {
      cache.set(source, hit); // most recently used last
      if (hit.reader) hit.raw(false).pluck(false).expand(false);
      return hit;
    }
    const statement = prepare(source);
    cache.set(source, statement);
    if (cache.size > capacity) cache.delete(cache.keys().next().value!);
    return statement;
  };
  sqlite.prepare = cached as typeof sqlite.prepare;
}

import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import { connectionOf, type Db } from './client';

/**
 * The few query forms whose drizzle call or SQL differs between SQLite and PostgreSQL, written
 * once here so routers and the trainer's store stay dialect-free.
 */

/** The first row of a query (SQLite's `.get()`): add `.limit(1)` where the query could return more. */
export async function firstRow<T>(query: PromiseLike<T[]>): Promise<T | undefined> {
  return (await query)[0];
}

/** Rows of a raw SQL query, with the column names the SQL gives them. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  if (connectionOf(db).dialect === 'sqlite') return db.all<T>(query);
  const result = await (db as unknown as { execute: (q: SQL) => Promise<{ rows: T[] }> }).execute(query);
  return result.rows;
}

/** The first row of a raw SQL query, or undefined. */
export async function queryFirst<T>(db: Db, query: SQL): Promise<T | undefined> {
  return (await queryRows<T>(db, query))[0];
}

/** Runs a raw SQL statement for its effect. */
export async function execute(db: Db, statement: SQL): Promise<void> {
  if (connectionOf(db).dialect === 'sqlite') await db.run(statement);
  else await (db as unknown as { execute: (q: SQL) => Promise<unknown> }).execute(statement);
}

/** `values` joined with commas (SQLite group_concat, PostgreSQL string_agg), in no set order. */
export function commaJoined(db: Db, values: SQLWrapper): SQL<string> {
  return connectionOf(db).dialect === 'sqlite' ? sql<string>`group_concat(${values}, ',')` : sql<string>`string_agg(${values}::text, ',')`;
}

/** Case-insensitive equality on ASCII text (SQLite COLLATE NOCASE; PostgreSQL lower()). */
export function equalsIgnoringCase(column: SQLWrapper, value: string): SQL {
  return sql`lower(${column}) = lower(${value})`;
}

/**
 * A boolean SQL expression (exists, a comparison) selected as a column: SQLite returns 0/1,
 * PostgreSQL true/false; both arrive as 1/0.
 */
export function asFlag(expression: SQL): SQL<number> {
  return sql<number>`${expression}`.mapWith((v: unknown) => (v === true || v === 1 || v === '1' || v === 't' ? 1 : 0));
}

/** The row an INSERT ... RETURNING (or an UPDATE that must match) gave back (SQLite's `.returning().get()`). */
export async function returnedRow<T>(query: PromiseLike<T[]>): Promise<T> {
  const [row] = await query;
  if (row === undefined) throw new Error('the statement returned no row');
  return row;
}

/**
 * A unique index, foreign key, check or not-null constraint refused the statement (SQLite's
 * SQLITE_CONSTRAINT_*, PostgreSQL's class 23), looking through drizzle's wrapping errors.
 */
export function isConstraintViolation(error: unknown): boolean {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_CONSTRAINT') || /^23\d{3}$/.test(code))) return true;
  }
  return false;
}

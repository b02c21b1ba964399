import { describe, expect, it } from 'vitest';
import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { is } from 'drizzle-orm';
import * as sqliteSchema from './schema';
import * as pgSchema from './schema-pg';

/**
 * db/schema-pg.ts must describe the same database as db/schema.ts (the queries are written once,
 * against db/schema.ts, and run on both): every table, column (nullability, default, key),
 * composite key, foreign key, index (columns, uniqueness) and check, compared by name. A column
 * added to one file only fails here.
 */
type Shape = Record<string, unknown>;

function shapeOf(config: {
  name: string;
  columns: Array<{ name: string; notNull: boolean; hasDefault: boolean; primary: boolean }>;
  indexes: Array<{ config: { name?: string; unique: boolean; columns: unknown[]; where?: unknown } }>;
  checks: Array<{ name: string }>;
  foreignKeys: Array<{ reference: () => { columns: Array<{ name: string }>; foreignColumns: Array<{ name: string; table: unknown }> }; onDelete?: string | undefined }>;
  primaryKeys: Array<{ columns: Array<{ name: string }> }>;
  uniqueConstraints?: Array<{ name?: string }>;
}): Shape {
  // An index part is a column, or (SQLite's `priority desc`) an SQL expression over one.
  const columnName = (c: unknown): string => {
    if (c && typeof c === 'object' && 'name' in c) return String((c as { name: string }).name);
    const chunks = (c as { queryChunks?: unknown[] } | null)?.queryChunks ?? [];
    const column = chunks.find((q) => q && typeof q === 'object' && 'columnType' in q) as { name: string } | undefined;
    return column ? column.name : 'expression';
  };
  return {
    columns: Object.fromEntries(config.columns.map((c) => [c.name, { notNull: c.notNull, hasDefault: c.hasDefault, primary: c.primary }])).valueOf(),
    indexes: Object.fromEntries(
      config.indexes.map((i) => [i.config.name, { unique: i.config.unique, columns: i.config.columns.map(columnName), partial: i.config.where !== undefined }]),
    ),
    checks: config.checks.map((c) => c.name).sort(),
    foreignKeys: config.foreignKeys
      .map((fk) => {
        const ref = fk.reference();
        return `${ref.columns.map((c) => c.name).join(',')} -> ${ref.foreignColumns.map((c) => c.name).join(',')} on delete ${fk.onDelete ?? 'no action'}`;
      })
      .sort(),
    primaryKeys: config.primaryKeys.map((pk) => pk.columns.map((c) => c.name).join(',')),
  };
}

const sqliteTables = Object.values(sqliteSchema as Record<string, unknown>).filter((v): v is SQLiteTable => is(v, SQLiteTable));
const pgTables = Object.values(pgSchema as Record<string, unknown>).filter((v): v is PgTable => is(v, PgTable));

describe('db/schema-pg.ts mirrors db/schema.ts', () => {
  it('has the same tables', () => {
    expect(pgTables.map((t) => pgConfig(t).name).sort()).toEqual(sqliteTables.map((t) => sqliteConfig(t).name).sort());
    expect(sqliteTables.length).toBeGreaterThanOrEqual(12);
  });

  it.each(sqliteTables.map((t) => [sqliteConfig(t).name, t] as const))('%s: same columns, keys, foreign keys, indexes and checks', (name, table) => {
    const pg = pgTables.find((t) => pgConfig(t).name === name)!;
    expect(shapeOf(pgConfig(pg) as never)).toEqual(shapeOf(sqliteConfig(table) as never));
  });
});

import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { EXPORT_SCHEMA_VERSION, type ExportFilters, type ExportRecord } from './schema';
import { equalsIgnoringCase, queryFirst, queryRows } from '@/db/dialect';

/** Rows per page: bounds what one export holds in memory (and one Parquet row group). */
export const DEFAULT_PAGE_SIZE = 2000;

/** The WHERE clause shared by the count and the pages: live labels matching the filters. */
function whereClause(filters: ExportFilters): SQL {
  const parts: SQL[] = [sql`l.undone_at IS NULL`];
  // Pairs reported broken (pair_flags, db/flags.ts) stay out unless asked for.
  if (!filters.includeFlagged) parts.push(sql`NOT EXISTS (SELECT 1 FROM pair_flags f WHERE f.pair_id = p.id)`);
  if (filters.runId !== undefined) parts.push(sql`p.run_id = ${filters.runId}`);
  if (filters.from !== undefined) parts.push(sql`l.answered_at >= ${filters.from}`);
  if (filters.to !== undefined) parts.push(sql`l.answered_at <= ${filters.to}`);
  if (filters.annotator !== undefined) parts.push(sql`(${equalsIgnoringCase(sql`u.email`, filters.annotator)} OR u.pseudonym = ${filters.annotator})`);
  if (filters.choice !== undefined) parts.push(sql`l.choice = ${filters.choice}`);
  return sql.join(parts, sql` AND `);
}

const FROM = sql`
  FROM labels l
  JOIN pairs p ON p.id = l.pair_id
  JOIN users u ON u.id = l.user_id`;

/** How many labels match (for a progress bar); cheap next to the export itself. */
export async function countExportRows(db: Db, filters: ExportFilters): Promise<number> {
  const row = await queryFirst<{ n: number }>(db, sql`SELECT count(*) AS n ${FROM} WHERE ${whereClause(filters)}`);
  return row?.n ?? 0;
}

/** A row as the page query returns it: the record before it is stamped with the schema version. */
type RawRow = Omit<ExportRecord, 'schema_version'>;

function pageSql(where: SQL, emails: boolean, after: number, maxId: number, limit: number): SQL {
  return sql`
  SELECT l.id AS label_id, l.pair_id, p.run_id, r.name AS run_name,
         coalesce(p.checkpoint_id, ca.checkpoint_id) AS checkpoint_id,
         ${sql.raw(emails ? 'u.email' : 'u.pseudonym')} AS annotator,
         l.choice, l.y, l.shown_at, l.answered_at, l.response_ms,
         ca.id AS clip_a_id, ca.env_id AS clip_a_env_id, ca.seed AS clip_a_seed, ca.checkpoint_id AS clip_a_checkpoint_id,
         ca.states AS clip_a_observations, ca.actions AS clip_a_actions, ca.true_return AS clip_a_true_return,
         cb.id AS clip_b_id, cb.env_id AS clip_b_env_id, cb.seed AS clip_b_seed, cb.checkpoint_id AS clip_b_checkpoint_id,
         cb.states AS clip_b_observations, cb.actions AS clip_b_actions, cb.true_return AS clip_b_true_return
  ${FROM}
  JOIN runs r ON r.id = p.run_id
  JOIN clips ca ON ca.id = p.clip_a_id
  JOIN clips cb ON cb.id = p.clip_b_id
  WHERE ${where} AND l.id > ${after} AND l.id <= ${maxId}
  ORDER BY l.id
  LIMIT ${limit}`;
}

/**
 * The matching labels in pages of at most `pageSize` records, in label-id order.
 *
 * Keyset pages, each read in full by one query before it is yielded: the caller may await
 * between pages (a slow download) without holding a statement, a cursor or a pooled connection
 * open; on SQLite a cursor kept open across awaits would also pin the WAL (no checkpoint) for the
 * whole download. The set is fixed at the start (ids up to the largest one then), so labels
 * arriving during a long export do not stretch it.
 */
export async function* readExportPages(
  db: Db,
  filters: ExportFilters,
  pageSize: number = DEFAULT_PAGE_SIZE,
): AsyncGenerator<ExportRecord[], void, undefined> {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`pageSize must be a positive integer; got ${pageSize}`);
  const where = whereClause(filters);
  const maxId = (await queryFirst<{ m: number }>(db, sql`SELECT coalesce(max(id), 0) AS m FROM labels`))?.m ?? 0;
  let after = 0;
  for (;;) {
    const rows = await queryRows<RawRow>(db, pageSql(where, filters.emails === true, after, maxId, pageSize));
    const page: ExportRecord[] = rows.map((raw) => ({ schema_version: EXPORT_SCHEMA_VERSION, ...raw }));
    if (page.length === 0) return;
    after = page[page.length - 1]!.label_id;
    yield page;
    if (page.length < pageSize) return;
  }
}

import type Database from 'better-sqlite3';
import { EXPORT_SCHEMA_VERSION, type ExportFilters, type ExportRecord } from './schema';

/** Rows per page: bounds what one export holds in memory (and one Parquet row group). */
export const DEFAULT_PAGE_SIZE = 2000;

interface Where {
  sql: string;
  params: Record<string, string | number>;
}

/** The WHERE clause shared by the count and the pages: live labels matching the filters. */
function whereClause(filters: ExportFilters): Where {
  const parts = ['l.undone_at IS NULL'];
  // Pairs reported broken (pair_flags, db/flags.ts) stay out unless asked for.
  if (!filters.includeFlagged) parts.push('NOT EXISTS (SELECT 1 FROM pair_flags f WHERE f.pair_id = p.id)');
  const params: Record<string, string | number> = {};
  if (filters.runId !== undefined) {
    parts.push('p.run_id = @runId');
    params.runId = filters.runId;
  }
  if (filters.from !== undefined) {
    parts.push('l.answered_at >= @from');
    params.from = filters.from;
  }
  if (filters.to !== undefined) {
    parts.push('l.answered_at <= @to');
    params.to = filters.to;
  }
  if (filters.annotator !== undefined) {
    parts.push('(u.email = @annotator COLLATE NOCASE OR u.pseudonym = @annotator)');
    params.annotator = filters.annotator;
  }
  if (filters.choice !== undefined) {
    parts.push('l.choice = @choice');
    params.choice = filters.choice;
  }
  return { sql: parts.join(' AND '), params };
}

const FROM = `
  FROM labels l
  JOIN pairs p ON p.id = l.pair_id
  JOIN users u ON u.id = l.user_id`;

/** How many labels match (for a progress bar); cheap next to the export itself. */
export function countExportRows(sqlite: Database.Database, filters: ExportFilters): number {
  const where = whereClause(filters);
  const row = sqlite.prepare(`SELECT count(*) AS n ${FROM} WHERE ${where.sql}`).get(where.params) as { n: number };
  return row.n;
}

/** A row as the page query returns it: the record before it is stamped with the schema version. */
type RawRow = Omit<ExportRecord, 'schema_version'>;

function pageSql(where: Where, emails: boolean): string {
  return `
  SELECT l.id AS label_id, l.pair_id, p.run_id, r.name AS run_name,
         coalesce(p.checkpoint_id, ca.checkpoint_id) AS checkpoint_id,
         ${emails ? 'u.email' : 'u.pseudonym'} AS annotator,
         l.choice, l.y, l.shown_at, l.answered_at, l.response_ms,
         ca.id AS clip_a_id, ca.env_id AS clip_a_env_id, ca.seed AS clip_a_seed, ca.checkpoint_id AS clip_a_checkpoint_id,
         ca.states AS clip_a_observations, ca.actions AS clip_a_actions, ca.true_return AS clip_a_true_return,
         cb.id AS clip_b_id, cb.env_id AS clip_b_env_id, cb.seed AS clip_b_seed, cb.checkpoint_id AS clip_b_checkpoint_id,
         cb.states AS clip_b_observations, cb.actions AS clip_b_actions, cb.true_return AS clip_b_true_return
  ${FROM}
  JOIN runs r ON r.id = p.run_id
  JOIN clips ca ON ca.id = p.clip_a_id
  JOIN clips cb ON cb.id = p.clip_b_id
  WHERE ${where.sql} AND l.id > @after AND l.id <= @maxId
  ORDER BY l.id
  LIMIT @limit`;
}

/**
 * The matching labels in pages of at most `pageSize` records, in label-id order.
 *
 * Keyset pages, each read with a cursor (`iterate`) and finished before it is yielded: the
 * caller may await between pages (a slow download) without holding a statement open on the
 * connection. A cursor kept open across awaits would make the web app's one better-sqlite3
 * connection "busy" for every other request, and would pin the WAL (no checkpoint) for the
 * whole download. The set is fixed at the start (ids up to the largest one then), so labels
 * arriving during a long export do not stretch it.
 */
export function* readExportPages(
  sqlite: Database.Database,
  filters: ExportFilters,
  pageSize: number = DEFAULT_PAGE_SIZE,
): Generator<ExportRecord[], void, undefined> {
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`pageSize must be a positive integer; got ${pageSize}`);
  const where = whereClause(filters);
  const maxId = (sqlite.prepare('SELECT coalesce(max(id), 0) AS m FROM labels').get() as { m: number }).m;
  const statement = sqlite.prepare(pageSql(where, filters.emails === true));
  let after = 0;
  for (;;) {
    const page: ExportRecord[] = [];
    for (const raw of statement.iterate({ ...where.params, after, maxId, limit: pageSize }) as IterableIterator<RawRow>) {
      page.push({ schema_version: EXPORT_SCHEMA_VERSION, ...raw });
    }
    if (page.length === 0) return;
    after = page[page.length - 1]!.label_id;
    yield page;
    if (page.length < pageSize) return;
  }
}

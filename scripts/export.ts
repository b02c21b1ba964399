/**
 * `npm run export -- --run ID|all --format jsonl|csv|parquet --out FILE [filters]`: the admin
 * export from the command line, streamed to a file with a progress bar on stderr.
 * Bad flags exit 2 with the usage; see docs/export-schema.md for the records.
 */
import cliProgress from 'cli-progress';
import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { closeDb, openDb, openPostgres, postgresUrlFrom, resolveDatabasePath } from '../db/client';
import { EXPORT_USAGE, parseExportArgs } from '../server/export/cliArgs';
import { countExportRows } from '../server/export/query';
import { writeExportFile } from '../server/export/writeFile';
import { queryFirst } from '../db/dialect';

async function main(): Promise<number> {
  const parsed = parseExportArgs(process.argv.slice(2));
  if (!parsed.ok) {
    console.error(`export: ${parsed.error}\n${EXPORT_USAGE}`);
    return 2;
  }
  const { format, filters, out, db } = parsed.options;
  // --db names a SQLite file; without it, DATABASE_URL (PostgreSQL) or DATABASE_PATH, as the app.
  const url = db === undefined ? postgresUrlFrom() : null;
  const file = resolveDatabasePath(db);
  if (!url && !fs.existsSync(file)) {
    console.error(`export: no database at ${file}; pass --db PATH or set DATABASE_PATH (or DATABASE_URL)`);
    return 2;
  }
  const where = url ? 'the PostgreSQL database' : file;
  // An export only reads (one page per query, no transaction): it takes no lock the web app or trainer need.
  const handle = url ? openPostgres(url, 2) : openDb(file);
  try {
    if (filters.runId !== undefined && !(await queryFirst(handle, sql`SELECT 1 AS one FROM runs WHERE id = ${filters.runId}`))) {
      console.error(`export: run ${filters.runId} does not exist in ${where}`);
      return 2;
    }
    const total = await countExportRows(handle, filters);
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: 'export {bar} {value}/{total} labels | {eta_formatted} left', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    const started = Date.now();
    const { bytes } = await writeExportFile(handle, format, filters, out, { onPage: (rows) => bar.increment(rows) });
    bar.stop();
    const target = out === '-' ? 'stdout' : out;
    console.error(`export: ${total} labels, ${(bytes / 1e6).toFixed(2)} MB of ${format} to ${target} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    await closeDb(handle);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('export: failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);

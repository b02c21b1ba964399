/**
 * `npm run export -- --run ID|all --format jsonl|csv|parquet --out FILE [filters]`: the admin
 * export from the command line, streamed to a file with a progress bar on stderr.
 * Bad flags exit 2 with the usage; see docs/export-schema.md for the records.
 */
import cliProgress from 'cli-progress';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import { resolveDatabasePath } from '../db/client';
import { EXPORT_USAGE, parseExportArgs } from '../server/export/cliArgs';
import { countExportRows } from '../server/export/query';
import { writeExportFile } from '../server/export/writeFile';

async function main(): Promise<number> {
  const parsed = parseExportArgs(process.argv.slice(2));
  if (!parsed.ok) {
    console.error(`export: ${parsed.error}\n${EXPORT_USAGE}`);
    return 2;
  }
  const { format, filters, out, db } = parsed.options;
  const file = resolveDatabasePath(db);
  if (!fs.existsSync(file)) {
    console.error(`export: no database at ${file}; pass --db PATH or set DATABASE_PATH`);
    return 2;
  }
  // Read-only: an export never writes, and must not take locks the web app or trainer need.
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  try {
    if (filters.runId !== undefined && !sqlite.prepare('SELECT 1 FROM runs WHERE id = ?').get(filters.runId)) {
      console.error(`export: run ${filters.runId} does not exist in ${file}`);
      return 2;
    }
    const total = countExportRows(sqlite, filters);
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: 'export {bar} {value}/{total} labels | {eta_formatted} left', hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    const started = Date.now();
    const { bytes } = await writeExportFile(sqlite, format, filters, out, { onPage: (rows) => bar.increment(rows) });
    bar.stop();
    const where = out === '-' ? 'stdout' : out;
    console.error(`export: ${total} labels, ${(bytes / 1e6).toFixed(2)} MB of ${format} to ${where} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    sqlite.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('export: failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);

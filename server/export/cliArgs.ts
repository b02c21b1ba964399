import { parseArgs } from 'node:util';
import { exportQuerySchema, type ExportFilters, type ExportFormat } from './schema';

export const EXPORT_USAGE = `usage: npm run export -- --run ID|all --format jsonl|csv|parquet --out FILE
         [--from DATE] [--to DATE] [--annotator EMAIL|PSEUDONYM] [--choice left|right|equal|cant_tell]
         [--emails] [--flagged] [--db PATH]
  DATE: 2025-03-01 (a whole UTC day, inclusive at both ends), an ISO date-time, or epoch ms.
  --emails: annotators by email instead of pseudonym.  --flagged: include pairs flagged as broken.  --db: the SQLite file (default DATABASE_PATH or ./data/app.sqlite).`;

export interface ExportCliOptions {
  format: ExportFormat;
  filters: ExportFilters;
  out: string;
  db: string | undefined;
}

/** The export command's flags, validated; `error` says what is wrong in words (exit code 2). */
export function parseExportArgs(argv: string[]): { ok: true; options: ExportCliOptions } | { ok: false; error: string } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        run: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        annotator: { type: 'string' },
        choice: { type: 'string' },
        emails: { type: 'boolean' },
        flagged: { type: 'boolean' },
        db: { type: 'string' },
      },
    }));
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const missing = ['run', 'format', 'out'].filter((flag) => typeof values[flag] !== 'string' || values[flag] === '');
  if (missing.length > 0) return { ok: false, error: `missing ${missing.map((f) => `--${f}`).join(', ')}` };
  const parsed = exportQuerySchema.safeParse({
    format: values.format,
    run: values.run,
    from: values.from,
    to: values.to,
    annotator: values.annotator,
    choice: values.choice,
    emails: values.emails ? '1' : undefined,
    flagged: values.flagged ? '1' : undefined,
  });
  if (!parsed.success) return { ok: false, error: parsed.error.issues.map((i) => i.message).join('; ') };
  return { ok: true, options: { ...parsed.data, out: values.out as string, db: values.db as string | undefined } };
}

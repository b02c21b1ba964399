import { z } from 'zod';
import { CHOICES } from '@/db/schema';
import { text } from '@/trainer/contracts/text';

/**
 * The exported preference dataset's record, version 1 (documented in docs/export-schema.md).
 * Bump the version whenever a column is renamed, removed or changes meaning; adding a column
 * at the end is compatible and keeps the version.
 */
export const EXPORT_SCHEMA_VERSION = 1;

export const EXPORT_FORMATS = ['jsonl', 'csv', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * One exported label, flat so that CSV and Parquet need no nesting. The `*_observations` and
 * `*_actions` fields hold the clip's stored JSON text exactly as the database has it: JSONL
 * writes it as a nested value, CSV and Parquet as a JSON string (one column type for every
 * environment, whatever the shape of its states).
 */
export interface ExportRecord {
  schema_version: number;
  label_id: number;
  pair_id: number;
  run_id: number;
  run_name: string;
  /** The checkpoint whose policy produced the pair (the pair's, else clip A's); null for seeded demo pairs. */
  checkpoint_id: number | null;
  /** Pseudonym, or the email when the admin asked for emails. */
  annotator: string;
  choice: (typeof CHOICES)[number];
  /** P(clip A preferred): left 1, right 0, equal 0.5; null for cant_tell. */
  y: number | null;
  shown_at: number;
  answered_at: number;
  response_ms: number;
  clip_a_id: number;
  clip_a_env_id: string;
  clip_a_seed: number;
  clip_a_checkpoint_id: number | null;
  clip_a_observations: string;
  clip_a_actions: string;
  clip_a_true_return: number | null;
  clip_b_id: number;
  clip_b_env_id: string;
  clip_b_seed: number;
  clip_b_checkpoint_id: number | null;
  clip_b_observations: string;
  clip_b_actions: string;
  clip_b_true_return: number | null;
}

/**
 * `vectors`: a continuous-action clip's actions, one number array per step, as a typed list
 * column (Parquet LIST of LIST of DOUBLE); null for a discrete-action clip. Derived from the
 * `*_actions` text at write time (see `columnValue`), not read by the query.
 */
export type ColumnKind = 'int' | 'float' | 'string' | 'json' | 'vectors';

/** The columns computed from others at write time, and the column each is computed from. */
export const DERIVED_COLUMNS = {
  clip_a_action_vectors: 'clip_a_actions',
  clip_b_action_vectors: 'clip_b_actions',
} as const satisfies Record<string, keyof ExportRecord>;

export type ExportColumnName = keyof ExportRecord | keyof typeof DERIVED_COLUMNS;

/** Column order and types for every format; the JSON columns are the nested ones. */
export const EXPORT_COLUMNS = [
  ['schema_version', 'int'],
  ['label_id', 'int'],
  ['pair_id', 'int'],
  ['run_id', 'int'],
  ['run_name', 'string'],
  ['checkpoint_id', 'int'],
  ['annotator', 'string'],
  ['choice', 'string'],
  ['y', 'float'],
  ['shown_at', 'int'],
  ['answered_at', 'int'],
  ['response_ms', 'int'],
  ['clip_a_id', 'int'],
  ['clip_a_env_id', 'string'],
  ['clip_a_seed', 'int'],
  ['clip_a_checkpoint_id', 'int'],
  ['clip_a_observations', 'json'],
  ['clip_a_actions', 'json'],
  ['clip_a_true_return', 'float'],
  ['clip_b_id', 'int'],
  ['clip_b_env_id', 'string'],
  ['clip_b_seed', 'int'],
  ['clip_b_checkpoint_id', 'int'],
  ['clip_b_observations', 'json'],
  ['clip_b_actions', 'json'],
  ['clip_b_true_return', 'float'],
  // Added in place of nothing (at the end: compatible, schema version 1 kept).
  ['clip_a_action_vectors', 'vectors'],
  ['clip_b_action_vectors', 'vectors'],
] as const satisfies ReadonlyArray<readonly [ExportColumnName, ColumnKind]>;

/**
 * True when a stored actions JSON text holds vectors (`[[...], ...]`, a continuous-action
 * clip) rather than indices (`[0, 2, ...]`). The text is what drizzle's JSON mode wrote.
 */
export function isVectorActionsText(text: string): boolean {
  return /^\s*\[\s*\[/.test(text);
}

/**
 * A column's value for a record: the record's own field, or for a derived column the JSON
 * text it is computed from (vector actions only; null for discrete-action clips).
 */
export function columnValue(record: ExportRecord, name: ExportColumnName): ExportRecord[keyof ExportRecord] {
  if (Object.hasOwn(DERIVED_COLUMNS, name)) {
    const text = record[DERIVED_COLUMNS[name as keyof typeof DERIVED_COLUMNS]] as string;
    return isVectorActionsText(text) ? text : null;
  }
  return record[name as keyof ExportRecord];
}

/** Which labels to export. Times are epoch milliseconds; `from` inclusive, `to` inclusive. */
export interface ExportFilters {
  runId?: number;
  from?: number;
  to?: number;
  /** An annotator's email or pseudonym. */
  annotator?: string;
  choice?: (typeof CHOICES)[number];
  /** Emails instead of pseudonyms in the `annotator` column. */
  emails?: boolean;
  /** Also labels on pairs an annotator flagged as broken (left out by default). */
  includeFlagged?: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A date bound from a query string or a flag: `2025-03-01` (a whole UTC day: its start for
 * `from`, its last millisecond for `to`, so `from=to=2025-03-01` is that day), an ISO date-time,
 * or epoch milliseconds.
 */
export function parseDateBound(raw: string, side: 'from' | 'to'): number | null {
  const text = raw.trim();
  if (/^\d{10,}$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const start = Date.parse(`${text}T00:00:00Z`);
    if (Number.isNaN(start)) return null;
    return side === 'from' ? start : start + DAY_MS - 1;
  }
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

// 254: the longest parameter is an annotator's email (the RFC's limit); nothing longer is a filter.
const optionalText = text(254)
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();

const dateBound = (side: 'from' | 'to') =>
  optionalText.transform((s, ctx) => {
    if (s === undefined) return undefined;
    const ms = parseDateBound(s, side);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `${side} must be a date (2025-03-01), an ISO date-time or epoch ms; got "${s}"` });
      return z.NEVER;
    }
    return ms;
  });

/**
 * The export's parameters as text (URL query or CLI flags), validated. Empty strings mean
 * "not given" because an HTML form sends every field.
 */
export const exportQuerySchema = z
  .object({
    format: z.enum(EXPORT_FORMATS, { message: `format must be one of ${EXPORT_FORMATS.join(', ')}` }),
    run: optionalText.pipe(
      z
        .union([z.literal('all'), text(20).regex(/^\d+$/, 'run must be a run id or "all"')])
        .optional(),
    ),
    from: dateBound('from'),
    to: dateBound('to'),
    annotator: optionalText,
    choice: optionalText.pipe(z.enum(CHOICES, { message: `choice must be one of ${CHOICES.join(', ')}` }).optional()),
    emails: optionalText.pipe(z.enum(['0', '1', 'true', 'false']).optional()),
    flagged: optionalText.pipe(z.enum(['0', '1', 'true', 'false'], { message: 'flagged must be 1 or 0' }).optional()),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { message: 'from must not be after to', path: ['from'] })
  .transform((q) => ({
    format: q.format,
    filters: {
      runId: q.run === undefined || q.run === 'all' ? undefined : Number(q.run),
      from: q.from,
      to: q.to,
      annotator: q.annotator,
      choice: q.choice,
      emails: q.emails === '1' || q.emails === 'true',
      includeFlagged: q.flagged === '1' || q.flagged === 'true',
    } satisfies ExportFilters,
  }));

export type ExportQuery = z.output<typeof exportQuerySchema>;

/** Columns that may be null (empty cell in CSV, null in JSONL and Parquet); the rest never are. */
export const NULLABLE_COLUMNS: ReadonlySet<ExportColumnName> = new Set<ExportColumnName>([
  'checkpoint_id',
  'y',
  'clip_a_checkpoint_id',
  'clip_a_true_return',
  'clip_b_checkpoint_id',
  'clip_b_true_return',
  'clip_a_action_vectors',
  'clip_b_action_vectors',
]);

import type { Db } from '@/db/client';
import { csvChunks } from './csv';
import { jsonlChunks } from './jsonl';
import { parquetChunks } from './parquet';
import { DEFAULT_PAGE_SIZE, readExportPages } from './query';
import type { ExportFilters, ExportFormat, ExportRecord } from './schema';

const WRITERS: Record<ExportFormat, (pages: AsyncIterable<ExportRecord[]>) => AsyncGenerator<Uint8Array, void, undefined>> = {
  jsonl: jsonlChunks,
  csv: csvChunks,
  parquet: parquetChunks,
};

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

export interface ExportOptions {
  pageSize?: number;
  /** Called after each page is read (progress bars, tests that watch the streaming). */
  onPage?: (rows: number) => void;
}

/**
 * The export as a lazy sequence of byte chunks: nothing is read from the database until the
 * first chunk is asked for, and each chunk is one page of labels. Callers write each chunk
 * out before asking for the next (a file stream, an HTTP response).
 */
export function exportChunks(
  db: Db,
  format: ExportFormat,
  filters: ExportFilters,
  options: ExportOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const pages = readExportPages(db, filters, options.pageSize ?? DEFAULT_PAGE_SIZE);
  const watched = options.onPage ? tap(pages, options.onPage) : pages;
  return WRITERS[format](watched);
}

async function* tap(pages: AsyncIterable<ExportRecord[]>, onPage: (rows: number) => void): AsyncGenerator<ExportRecord[], void, undefined> {
  for await (const page of pages) {
    onPage(page.length);
    yield page;
  }
}

/** `labels-run-3-2025-03-01.parquet`, `labels-all-…`: what the download is called. */
export function exportFilename(format: ExportFormat, filters: ExportFilters, now: number = Date.now()): string {
  const scope = filters.runId === undefined ? 'all' : `run-${filters.runId}`;
  const date = new Date(now).toISOString().slice(0, 10);
  return `labels-${scope}-${date}.${format}`;
}

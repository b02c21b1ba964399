import { EXPORT_COLUMNS, columnValue, type ExportRecord } from './schema';

const encoder = new TextEncoder();

/**
 * One JSON object per line, columns in schema order. The nested columns are spliced in as the
 * JSON text the database stores (written by JSON.stringify through drizzle's json mode), so
 * they arrive as real arrays without a parse and re-stringify per clip.
 */
export function jsonlLine(record: ExportRecord): string {
  const parts: string[] = [];
  for (const [name, kind] of EXPORT_COLUMNS) {
    const value = columnValue(record, name);
    const nested = kind === 'json' || (kind === 'vectors' && value !== null);
    parts.push(`${JSON.stringify(name)}:${nested ? String(value) : JSON.stringify(value)}`);
  }
  return `{${parts.join(',')}}\n`;
}

/** JSONL bytes, one chunk per page of records. */
export async function* jsonlChunks(pages: AsyncIterable<ExportRecord[]> | Iterable<ExportRecord[]>): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const page of pages) {
    let text = '';
    for (const record of page) text += jsonlLine(record);
    yield encoder.encode(text);
  }
}

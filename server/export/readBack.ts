import { parquetReadObjects } from 'hyparquet';
import { EXPORT_COLUMNS, type ColumnKind } from './schema';

/**
 * Reads an exported file back into plain records (nested columns parsed, integers as numbers,
 * empty CSV cells as null) so tests can compare any format with the database. Test and
 * tooling code: an export is meant to be read by Python, this is only its round trip here.
 */
export type ReadBackRecord = Record<string, unknown>;

const KIND = new Map<string, ColumnKind>(EXPORT_COLUMNS.map(([name, kind]) => [name, kind]));

function normalise(name: string, value: unknown): unknown {
  const kind = KIND.get(name);
  if (value === null || value === undefined) return null;
  if (kind === 'json' || kind === 'vectors') return typeof value === 'string' ? JSON.parse(value) : value;
  if (kind === 'int') return Number(value);
  return value;
}

function normaliseRecord(raw: Record<string, unknown>): ReadBackRecord {
  const out: ReadBackRecord = {};
  for (const [name, value] of Object.entries(raw)) out[name] = normalise(name, value);
  return out;
}

export function readJsonl(text: string): ReadBackRecord[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => normaliseRecord(JSON.parse(line) as Record<string, unknown>));
}

/** A minimal RFC 4180 reader: quoted fields, doubled quotes, newlines inside quotes. */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function readCsv(text: string): { header: string[]; records: ReadBackRecord[] } {
  const [header = [], ...rows] = parseCsvRows(text);
  const records = rows.map((cells) => {
    const raw: Record<string, unknown> = {};
    header.forEach((name, i) => {
      const cell = cells[i] ?? '';
      const kind = KIND.get(name);
      // CSV has no types: empty is null, numbers by the schema's column kind.
      raw[name] = cell === '' ? null : kind === 'int' || kind === 'float' ? Number(cell) : cell;
    });
    return normaliseRecord(raw);
  });
  return { header, records };
}

export async function readParquet(bytes: Uint8Array): Promise<ReadBackRecord[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows = await parquetReadObjects({ file });
  return rows.map((row) => normaliseRecord(row));
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetMetadata } from 'hyparquet';
import type { Db } from '@/db/client';
import type { User } from '@/db/schema';
import { addRun, addUser, freshDb } from '@/tests/helpers/server/fixtures';
import { exportChunks } from './export';
import { collect } from '@/tests/helpers/collect';
import { readExportPages, countExportRows } from './query';
import { readCsv, readJsonl, readParquet, type ReadBackRecord } from './readBack';
import { EXPORT_COLUMNS, EXPORT_FORMATS, type ExportFilters, type ExportFormat } from './schema';
import { attachCheckpoint, expectedRecord, insertLabel } from '@/tests/helpers/server/export-fixtures';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 2, 1, 12); // 2025-03-01 12:00 UTC

let env: Awaited<ReturnType<typeof freshDb>>;
let db: Db;
let ann1: User;
let ann2: User;
const live: number[] = [];
let undone: number;
let runA: number;
let runB: number;

beforeAll(async () => {
  env = (await freshDb('export'));
  db = env.db;
  ann1 = (await addUser(db, 'annotator', 'ann1@example.com'));
  ann2 = (await addUser(db, 'annotator', 'ann2@example.com'));
  const a = await addRun(db, { count: 3, labelsWanted: 2, name: 'run A' });
  const b = await addRun(db, { count: 1, name: 'run B' });
  runA = a.runId;
  runB = b.runId;
  await attachCheckpoint(db, runA, a.pairIds[0]!);
  const [p0, p1, p2] = a.pairIds as [number, number, number];
  live.push(await insertLabel(db, { pairId: p0, userId: ann1.id, choice: 'left', answeredAt: T0 }));
  live.push(await insertLabel(db, { pairId: p0, userId: ann2.id, choice: 'right', answeredAt: T0 + DAY }));
  live.push(await insertLabel(db, { pairId: p1, userId: ann1.id, choice: 'equal', answeredAt: T0 + 2 * DAY }));
  live.push(await insertLabel(db, { pairId: p1, userId: ann2.id, choice: 'cant_tell', answeredAt: T0 + 3 * DAY }));
  live.push(await insertLabel(db, { pairId: p2, userId: ann1.id, choice: 'left', answeredAt: T0 + 4 * DAY }));
  undone = (await insertLabel(db, { pairId: p2, userId: ann2.id, choice: 'left', answeredAt: T0 + 4 * DAY, undone: true }));
  live.push(await insertLabel(db, { pairId: b.pairIds[0]!, userId: ann2.id, choice: 'right', answeredAt: T0 + 5 * DAY }));
});

afterAll(() => env.cleanup());

async function bytesOf(format: ExportFormat, filters: ExportFilters, pageSize?: number): Promise<Uint8Array> {
  const chunks = await collect(exportChunks(db, format, filters, { pageSize }));
  return Buffer.concat(chunks);
}

async function readBack(format: ExportFormat, filters: ExportFilters, pageSize?: number): Promise<ReadBackRecord[]> {
  const bytes = await bytesOf(format, filters, pageSize);
  if (format === 'parquet') return readParquet(bytes);
  const text = Buffer.from(bytes).toString('utf8');
  return format === 'csv' ? readCsv(text).records : readJsonl(text);
}

const ids = (records: ReadBackRecord[]) => records.map((r) => r.label_id);

describe.each(EXPORT_FORMATS)('%s export', (format) => {
  it('writes one record per live label, every field equal to the database, and reads back', async () => {
    // pageSize 4 splits the 6 labels over two pages (two Parquet row groups).
    const records = await readBack(format, {}, 4);
    expect(ids(records)).toEqual(live);
    expect(ids(records)).not.toContain(undone);
    for (const record of records) {
      expect(Object.keys(record)).toEqual(EXPORT_COLUMNS.map(([name]) => name));
      expect(record).toEqual(await expectedRecord(db, record.label_id as number));
    }
    // The checkpoint-produced pair carries its checkpoint and a true return; the others null.
    const withCheckpoint = records.find((r) => r.label_id === live[0])!;
    expect(withCheckpoint.checkpoint_id).toEqual(expect.any(Number));
    expect(withCheckpoint.clip_a_true_return).toBe(2.5);
    expect(records.find((r) => r.label_id === live[5])!.checkpoint_id).toBeNull();
    expect(records.find((r) => r.choice === 'cant_tell')!.y).toBeNull();
  });

  it('names annotators by pseudonym unless emails are asked for', async () => {
    const pseudo = await readBack(format, { runId: runB });
    expect(pseudo.map((r) => r.annotator)).toEqual([ann2.pseudonym]);
    expect(JSON.stringify(pseudo)).not.toContain('@example.com');
    const withEmails = await readBack(format, { runId: runB, emails: true });
    expect(withEmails.map((r) => r.annotator)).toEqual(['ann2@example.com']);
    expect(withEmails[0]).toEqual(await expectedRecord(db, live[5]!, true));
  });

  it('exports nothing, readably, when nothing matches', async () => {
    const records = await readBack(format, { runId: 999_999 });
    expect(records).toEqual([]);
  });
});

describe('filters', () => {
  it('by run, date range (inclusive), annotator (email or pseudonym) and choice', async () => {
    const labelIds = async (filters: ExportFilters) => (await collect(readExportPages(db, filters))).flat().map((r) => r.label_id);
    expect(await labelIds({ runId: runA })).toEqual(live.slice(0, 5));
    expect(await labelIds({ runId: runB })).toEqual(live.slice(5));
    expect(await labelIds({ from: T0 + DAY, to: T0 + 3 * DAY })).toEqual(live.slice(1, 4));
    expect(await labelIds({ annotator: 'ANN1@example.com' })).toEqual([live[0], live[2], live[4]]);
    expect(await labelIds({ annotator: ann2.pseudonym })).toEqual([live[1], live[3], live[5]]);
    expect(await labelIds({ choice: 'left' })).toEqual([live[0], live[4]]);
    expect(await labelIds({ runId: runA, choice: 'right', annotator: 'ann2@example.com' })).toEqual([live[1]]);
    expect(await countExportRows(db, { runId: runA })).toBe(5);
    expect(await countExportRows(db, {})).toBe(6);
  });
});

describe('streaming', () => {
  let big: Awaited<ReturnType<typeof freshDb>>;
  const N = 1050;
  const PAGE = 100;

  beforeAll(async () => {
    big = (await freshDb('export-big'));
    const user = await addUser(big.db, 'annotator');
    const run = await addRun(big.db, { count: N });
    for (const [i, pairId] of run.pairIds.entries()) await insertLabel(big.db, { pairId, userId: user.id, choice: i % 2 ? 'left' : 'right', answeredAt: T0 + i });
  });
  afterAll(() => big.cleanup());

  it.each(EXPORT_FORMATS)('%s: reads one page per chunk, only as chunks are asked for', async (format) => {
    const pageSizes: number[] = [];
    const chunks = exportChunks(big.db, format, {}, { pageSize: PAGE, onPage: (rows) => pageSizes.push(rows) });
    // Lazy: nothing is read until the first chunk is wanted, then exactly one page.
    expect(pageSizes).toEqual([]);
    const first = await chunks.next();
    expect(first.done).toBe(false);
    expect(pageSizes).toEqual([PAGE]);
    const rest = await collect(chunks);
    const pages = Math.ceil(N / PAGE);
    expect(pageSizes).toHaveLength(pages);
    expect(Math.max(...pageSizes)).toBe(PAGE);
    // One chunk per page, plus the Parquet footer.
    expect(1 + rest.length).toBe(pages + (format === 'parquet' ? 1 : 0));
    const bytes = Buffer.concat([first.value!, ...rest]);
    if (format === 'parquet') {
      const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      expect(meta.row_groups).toHaveLength(pages);
      expect(Number(meta.num_rows)).toBe(N);
      expect((await readParquet(bytes)).map((r) => r.label_id)).toHaveLength(N);
    } else {
      const text = bytes.toString('utf8');
      expect(format === 'csv' ? readCsv(text).records.length : readJsonl(text).length).toBe(N);
    }
  });

  it('fixes the set at the start: labels added during the export are not in it', async () => {
    const pages = readExportPages(big.db, {}, PAGE);
    const first = (await pages.next()).value!;
    const user = await addUser(big.db, 'annotator');
    const extra = await addRun(big.db, { count: 1 });
    await insertLabel(big.db, { pairId: extra.pairIds[0]!, userId: user.id, choice: 'left', answeredAt: T0 });
    const total = first.length + (await collect(pages)).flat().length;
    expect(total).toBe(N);
    expect(await countExportRows(big.db, {})).toBe(N + 1);
  });
});

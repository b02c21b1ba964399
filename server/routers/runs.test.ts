import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { runs } from '@/db/schema';
import { addUser, callerFor, freshDb, outcome } from '@/tests/helpers/server/fixtures';
import { firstRow } from '@/db/dialect';

let db: Db;
let cleanup: () => void;
beforeAll(async () => ({ db, cleanup } = (await freshDb('runs'))));
afterAll(() => cleanup());

const minimal = { name: 'grid run', envId: 'grid5', instructions: 'Reach the green corner.' };

describe('runs.create / pause / resume / stop', () => {
  it('creates an active run with every default filled in and stored', async () => {
    const researcher = await addUser(db, 'researcher');
    const created = await callerFor(db, researcher).runs.create({ ...minimal, config: { tau: 0.2 } });
    const row = (await firstRow(db.select().from(runs).where(eq(runs.id, created.id))))!;
    expect(row).toMatchObject({ status: 'active', algorithm: 'sobirl', labelsWanted: 1, labelBatchSize: 16, createdBy: researcher.id, iteration: 0 });
    expect(row.config).toMatchObject({ tau: 0.2, gamma: 0.9, horizon: 12, querySelection: 'disagreement', oversample: 10, pendingFactor: 2 });
  });

  it('only researchers and admins may create or control runs', async () => {
    const annotator = callerFor(db, await addUser(db, 'annotator'));
    expect(await outcome(annotator.runs.create(minimal))).toBe('FORBIDDEN');
    expect(await outcome(callerFor(db, null).runs.create(minimal))).toBe('UNAUTHORIZED');
    const { id } = await callerFor(db, await addUser(db, 'admin')).runs.create(minimal);
    expect(await outcome(annotator.runs.pause({ runId: id }))).toBe('FORBIDDEN');
  });

  it('rejects unknown environments, bad hyper-parameters and m-sobirl on a neural env', async () => {
    const researcher = callerFor(db, await addUser(db, 'researcher'));
    expect(await outcome(researcher.runs.create({ ...minimal, envId: 'pong' }))).toBe('BAD_REQUEST');
    expect(await outcome(researcher.runs.create({ ...minimal, config: { gamma: 1.2 } }))).toBe('BAD_REQUEST');
    expect(await outcome(researcher.runs.create({ ...minimal, labelBatchSize: 0 }))).toBe('BAD_REQUEST');
    expect(await outcome(researcher.runs.create({ ...minimal, envId: 'cartpole', algorithm: 'm-sobirl' }))).toBe('BAD_REQUEST');
  });

  it('pauses, resumes and stops; a stopped run stays stopped', async () => {
    const researcher = callerFor(db, await addUser(db, 'researcher'));
    const { id } = await researcher.runs.create(minimal);
    const status = async () => (await firstRow(db.select({ s: runs.status }).from(runs).where(eq(runs.id, id))))!.s;
    expect(await outcome(researcher.runs.resume({ runId: id }))).toBe('CONFLICT');
    await researcher.runs.pause({ runId: id });
    expect(await status()).toBe('paused');
    await researcher.runs.resume({ runId: id });
    expect(await status()).toBe('active');
    await researcher.runs.stop({ runId: id });
    expect(await status()).toBe('stopped');
    expect(await outcome(researcher.runs.resume({ runId: id }))).toBe('CONFLICT');
    expect(await outcome(researcher.runs.pause({ runId: 999_999 }))).toBe('NOT_FOUND');
  });
});

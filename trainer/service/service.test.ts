import { afterEach, describe, expect, it } from 'vitest';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { checkpoints, labels, metrics, pairs, runs } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { freshDb } from '@/tests/helpers/server/fixtures';
import { getEnv } from '../envs';
import { makeOracle } from '../algorithms/oracle';
import { makeTabularSetup, trueReturn } from '../algorithms/tabular-rlhf';
import { serverLabelQueue } from '../../tests/helpers/trainer/label-queue';
import { TrainerService } from './trainer-service';
import { latestMetric } from './store';
import { resolveRunConfig } from '../contracts/run-config';
import { firstRow, queryRows, returnedRow } from '@/db/dialect';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const GAMMA = 0.9, TAU = 0.1;

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('trainer service on a grid5 run answered by scripted teachers through label.submit', () => {
  it('raises the true return well above the random policy, with checkpoints, metrics and new pairs', async () => {
    const { db, cleanup } = await freshDb('h7-service');
    cleanups.push(cleanup);
    const runId = await writeTx(db, async (tx) =>
      (await returnedRow(tx.insert(runs).values({
        name: 'grid5 closed loop', envId: 'grid5', algorithm: 'sobirl', instructions: 'Reach the green corner.', labelBatchSize: 16,
        config: { seed: 3, gamma: GAMMA, tau: TAU, horizon: 12, simulate: { teacher: { beta: 5 }, annotators: 2, labelsPerSecond: 0 } },
      }).returning({ id: runs.id }))).id,
    );
    const lines: string[] = [];
    const service = new TrainerService({ db, pollMs: 10, log: (l) => lines.push(l), labelQueue: serverLabelQueue });
    service.start();
    const liveLabels = async () => (await firstRow(db.select({ n: sql<number>`count(*)` }).from(labels).where(isNotNull(labels.y))))!.n;
    try {
      await waitFor(async () => (await liveLabels()) >= 320 && ((await latestMetric(db, runId, 'labels/used'))?.value ?? 0) >= 300, 200_000); // a bound, not a speed target: at load ~15, 44 s on SQLite, 35-100+ s on PostgreSQL
    } finally {
      await service.stop();
    }

    // Independent reference points: exact evaluation of the uniform policy and of soft RL on the true reward.
    const setup = makeTabularSetup(getEnv('grid5'), GAMMA, TAU, 'state');
    const uniform = new Float64Array(setup.mdp.S * setup.mdp.A).fill(1 / setup.mdp.A);
    const randomReturn = trueReturn(setup, uniform);
    const oracleReturn = trueReturn(setup, makeOracle(setup).pi);
    expect(oracleReturn - randomReturn).toBeGreaterThan(3); // the margin below is meaningful
    const learned = (await latestMetric(db, runId, 'return/true'))!;
    expect(await latestMetric(db, runId, 'return/true')).toBeDefined();
    expect(learned.value).toBeGreaterThan(randomReturn + 0.6 * (oracleReturn - randomReturn));

    const run = (await firstRow(db.select().from(runs).where(eq(runs.id, runId))))!;
    const cps = await db.select().from(checkpoints).where(eq(checkpoints.runId, runId));
    expect(run.iteration).toBeGreaterThanOrEqual(15);
    expect(cps.length).toBe(run.iteration + 1); // iteration 0 plus one per outer iteration
    expect(run.lastError).toBeNull();

    // Every metric the charts read, at the last iteration.
    for (const name of ['loss/preference', 'hypergrad/norm', 'hypergrad/exploit', 'hypergrad/explore', 'return/true', 'labels/used', 'queue/pending']) {
      const row = await firstRow(db.select().from(metrics).where(and(eq(metrics.runId, runId), eq(metrics.name, name), eq(metrics.iteration, run.iteration))));
      expect(row, name).toBeDefined();
    }

    // The newest checkpoint's pairs are in the queue, and no (iteration, slot) repeats.
    const newest = cps.reduce((a, b) => (a.iteration > b.iteration ? a : b));
    const fromNewest = (await firstRow(db.select({ n: sql<number>`count(*)` }).from(pairs).where(eq(pairs.checkpointId, newest.id))))!.n;
    expect(fromNewest).toBeGreaterThan(0);
    const duplicates = (await queryRows<{ n: number }>(db, sql`select count(*) as n from (select run_id, iteration, slot from pairs
      group by run_id, iteration, slot having count(*) > 1) dup`))[0]!.n;
    expect(duplicates).toBe(0);

    // The watermark accounts for every consumed label exactly once.
    const consumed = (await firstRow(db.select({ n: sql<number>`count(*)` }).from(labels)
      .where(and(isNotNull(labels.y), sql`${labels.undoneAt} is null`, sql`${labels.id} <= ${newest.labelWatermark}`))))!.n;
    expect(newest.labelsUsed).toBe(consumed);
    expect(lines.some((l) => /run=\d+ k=\d+ loss=\d/.test(l))).toBe(true);

  }, 240_000);

  it('parses the demo seed config (clipLength) and rejects a bad one naming the field', () => {
    expect(resolveRunConfig('cartpole', { source: 'demo-seed', clipLength: 25 }).horizon).toBe(25);
    expect(() => resolveRunConfig('grid5', { gamma: 1.5 })).toThrow(/gamma/);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { runs } from '@/db/schema';
import { addUser, callerFor, freshDb } from '@/tests/helpers/server/fixtures';
import { makeRng } from '../core/rng';
import { createRunInputSchema, resolveRunConfig } from '../contracts/run-config';
import { RUN_LIMITS, maxOversample, maxReplayCapacity } from '../contracts/run-budget';
import { makeRunLearner, makeRunSetup, nextPairs } from './tabular-engine';
import { sampleTabularSegment, toLinearPair } from '../algorithms/tabular-rlhf';
import { TrainerService } from './trainer-service';
import { pendingPairCount } from './store';
import { writeTx } from '@/db/transactions';
import { firstRow, returnedRow } from '@/db/dialect';

/** The settings that grew a trainer to 4.3 GB in 65 s (issue 11, item 1). */
const ISSUE_CONFIG = { name: 'oom', envId: 'grid5', instructions: 'Reach the goal.', labelBatchSize: 1024, config: { pendingFactor: 20, oversample: 100, horizon: 500 } };

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

describe('run settings bounded by memory and work per iteration', () => {
  it('refuses the issue\'s settings, naming each field and its limit', () => {
    const parsed = createRunInputSchema.safeParse(ISSUE_CONFIG);
    expect(parsed.success).toBe(false);
    const byPath = new Map(parsed.error!.issues.map((i) => [i.path.join('.'), i.message]));
    expect(byPath.get('config.pendingFactor')).toMatch(/20,480 pending pairs; the limit is 2,000/);
    expect(byPath.get('config.oversample')).toMatch(/candidate env steps per refill; the limit is 1,000,000/);
    expect(byPath.get('config.horizon')).toMatch(/1,024,000 env steps per label batch; the limit is 200,000/);
  });

  it('runs.create answers BAD_REQUEST (HTTP 400) with the field and the limit, and writes nothing', async () => {
    const { db, cleanup } = await freshDb('budget-create');
    cleanups.push(cleanup);
    const caller = callerFor(db, await addUser(db, 'researcher'));
    const error = await caller.runs.create(ISSUE_CONFIG).then(() => null, (e: { code?: string; message: string }) => e);
    expect(error?.code).toBe('BAD_REQUEST');
    expect(error?.message).toMatch(/pendingFactor/);
    expect(error?.message).toMatch(/limit is 2,000/);
    expect((await db.select().from(runs))).toHaveLength(0);
  });

  it('a neural replay beyond the byte limit is refused; at the limit it is accepted', () => {
    const at = maxReplayCapacity('cartpole');
    const base = { name: 'c', envId: 'cartpole', instructions: 'Balance.' };
    expect(createRunInputSchema.safeParse({ ...base, config: { neural: { replayCapacity: at } } }).success).toBe(true);
    const over = createRunInputSchema.safeParse({ ...base, config: { neural: { replayCapacity: at + 1 } } });
    expect(over.error?.issues[0]?.path).toEqual(['config', 'neural', 'replayCapacity']);
    expect(over.error?.issues[0]?.message).toMatch(/limit is 256 MiB/);
  });

  it('a config just inside every limit is accepted and the trainer queues its first pairs', async () => {
    const { db, cleanup } = await freshDb('budget-inside');
    cleanups.push(cleanup);
    const labelBatchSize = 100, pendingFactor = RUN_LIMITS.pendingPairs / 100, horizon = 12;
    const oversample = maxOversample(RUN_LIMITS.pendingPairs, horizon);
    const inside = { name: 'edge', envId: 'grid5', instructions: 'Reach the goal.', labelBatchSize, config: { pendingFactor, oversample, horizon } };
    // One more candidate per pair crosses the line.
    expect(createRunInputSchema.safeParse({ ...inside, config: { ...inside.config, oversample: oversample + 1 } }).success).toBe(false);
    const caller = callerFor(db, await addUser(db, 'researcher'));
    const { id } = await caller.runs.create(inside);
    const service = new TrainerService({ db, simulate: false, log: () => {} });
    expect((await service.runOnce(1)).get(id)).toBe('bootstrapped');
    expect(await pendingPairCount(db, id)).toBe(RUN_LIMITS.pendingPairs);
  }, 60_000);

  it('the trainer refuses a stored run beyond the limits with the reason on the run, and goes on with the others', async () => {
    const { db, cleanup } = await freshDb('budget-stored');
    cleanups.push(cleanup);
    const insert = (name: string, labelBatchSize: number, config: Record<string, unknown>) =>
      writeTx(db, async (tx) => (await returnedRow(tx.insert(runs).values({ name, envId: 'grid5', algorithm: 'sobirl', instructions: 'x', labelBatchSize, config }).returning({ id: runs.id }))).id);
    const bad = await insert('old', 1024, ISSUE_CONFIG.config);
    const good = await insert('fine', 4, {});
    const service = new TrainerService({ db, simulate: false, log: () => {} });
    const outcomes = await service.runOnce(1);
    expect(outcomes.get(bad)).toBe('blocked');
    expect(outcomes.get(good)).toBe('bootstrapped');
    expect((await firstRow(db.select({ e: runs.lastError }).from(runs).where(eq(runs.id, bad))))?.e).toMatch(/pendingFactor.*limit is 2,000/);
  });
});

describe('nextPairs scores candidates in bounded chunks', () => {
  it('gives the same pairs whatever the chunk size (the whole set at once is the reference)', () => {
    const config = resolveRunConfig('grid5', { oversample: 7 });
    const setup = makeRunSetup('grid5', config);
    const learner = makeRunLearner('sobirl', setup, config, 1);
    // A few labels so the bootstrap members differ and the scores are not all equal.
    const rng = makeRng(9);
    const labeled = Array.from({ length: 6 }, (_, i) => toLinearPair(setup, {
      first: sampleTabularSegment(setup, learner.pi, config.horizon, rng),
      second: sampleTabularSegment(setup, learner.pi, config.horizon, rng),
      y: i % 2 === 0 ? 1 : 0,
    }));
    const whole = nextPairs(setup, learner.pi, learner.x, labeled, config, 12, makeRng(5), Number.MAX_SAFE_INTEGER);
    const chunked = nextPairs(setup, learner.pi, learner.x, labeled, config, 12, makeRng(5), 5);
    expect(chunked.pairs).toHaveLength(12);
    expect(new Set(whole.pairs.map((p) => p.priority)).size).toBeGreaterThan(1);
    expect(chunked).toEqual(whole);
  });
});

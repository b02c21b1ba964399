import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { pairs, runs, type Choice, type User } from '@/db/schema';
import type { Db } from '@/db/client';
import { insertLabel } from '@/tests/helpers/server/export-fixtures';
import { goldRateOf, DEFAULT_GOLD_RATE } from './goldRate';
import { addRun, addUser, callerFor, freshDb, manualClock, outcome } from '@/tests/helpers/server/fixtures';
import { firstRow } from '@/db/dialect';

let db: Db;
let cleanup: () => void;
let admin: User;
beforeAll(async () => {
  ({ db, cleanup } = (await freshDb('gold')));
  admin = (await addUser(db, 'admin'));
});
afterAll(() => cleanup());

/** A run of `count` pairs with the given goldRate, the first `gold` of them marked gold by the admin. */
async function goldRun(opts: { count: number; gold: number; goldRate: number; labelsWanted?: number }) {
  const run = await addRun(db, { count: opts.count, labelsWanted: opts.labelsWanted });
  await db.update(runs).set({ config: { goldRate: opts.goldRate } }).where(eq(runs.id, run.runId));
  const goldIds = run.pairIds.slice(0, opts.gold);
  for (const pairId of goldIds) await callerFor(db, admin).quality.setGold({ pairId, choice: 'left' });
  return { ...run, goldIds, normalIds: run.pairIds.slice(opts.gold) };
}

/** Leases and answers pairs as `user` until the queue is empty; the ids in the order served. */
async function labelAll(user: User, runId: number, clock = manualClock()): Promise<number[]> {
  const caller = callerFor(db, user, clock.now);
  const served: number[] = [];
  for (let guard = 0; guard < 100; guard++) {
    const { pair } = await caller.label.next({ runId });
    if (!pair) return served;
    served.push(pair.id);
    await caller.label.submit({ submissionId: randomUUID(), pairId: pair.id, choice: 'left', shownAt: clock.now() - 1000, answeredAt: clock.now() });
    clock.advance(10);
  }
  throw new Error('the queue never emptied');
}

describe('quality.setGold', () => {
  it('is for admins only', async () => {
    const { pairIds } = await addRun(db, { count: 1 });
    const input = { pairId: pairIds[0]!, choice: 'right' as const };
    expect(await outcome(callerFor(db, null).quality.setGold(input))).toBe('UNAUTHORIZED');
    expect(await outcome(callerFor(db, await addUser(db, 'annotator')).quality.setGold(input))).toBe('FORBIDDEN');
    expect(await outcome(callerFor(db, await addUser(db, 'researcher')).quality.setGold(input))).toBe('FORBIDDEN');
    expect(await outcome(callerFor(db, admin).quality.setGold(input))).toBe('OK');
  });

  it('validates its input and answers NOT_FOUND for a missing pair', async () => {
    const { pairIds } = await addRun(db, { count: 1 });
    const caller = callerFor(db, admin);
    expect(await outcome(caller.quality.setGold({ pairId: 999_999, choice: 'left' }))).toBe('NOT_FOUND');
    // cant_tell is no answer, so it cannot be a gold one.
    expect(await outcome(caller.quality.setGold({ pairId: pairIds[0]!, choice: 'cant_tell' as never }))).toBe('BAD_REQUEST');
    expect(await outcome(caller.quality.setGold({ pairId: 0, choice: 'left' }))).toBe('BAD_REQUEST');
    expect(await outcome(caller.quality.setGold({ pairId: pairIds[0]! } as never))).toBe('BAD_REQUEST');
  });

  it('sets and clears the answer, and shows it in the inspector with who may change it', async () => {
    const { pairIds } = await addRun(db, { count: 1 });
    const pairId = pairIds[0]!;
    const researcher = await addUser(db, 'researcher');
    await callerFor(db, admin).quality.setGold({ pairId, choice: 'equal' });
    expect((await callerFor(db, admin).inspect.pair({ pairId })).gold).toEqual({ choice: 'equal', canSet: true });
    expect((await callerFor(db, researcher).inspect.pair({ pairId })).gold).toEqual({ choice: 'equal', canSet: false });
    await callerFor(db, admin).quality.setGold({ pairId, choice: null });
    expect((await firstRow(db.select().from(pairs).where(eq(pairs.id, pairId))))?.goldChoice).toBeNull();
  });

  it('reopens a done pair when it becomes gold, and closes it again when cleared', async () => {
    const { pairIds } = await addRun(db, { count: 1 });
    const pairId = pairIds[0]!;
    await insertLabel(db, { pairId, userId: (await addUser(db, 'annotator')).id, choice: 'left', answeredAt: 1_700_000_000_000 });
    await db.update(pairs).set({ status: 'done' }).where(eq(pairs.id, pairId));
    const status = async () => (await firstRow(db.select({ s: pairs.status }).from(pairs).where(eq(pairs.id, pairId))))?.s;
    await callerFor(db, admin).quality.setGold({ pairId, choice: 'left' });
    expect(await status()).toBe('pending');
    await callerFor(db, admin).quality.setGold({ pairId, choice: null });
    expect(await status()).toBe('done');
  });
});

/**
 * The queue draws with Math.random (web server, nothing to replay). goldRate tops out at 0.5, so
 * "always gold" is the maximum rate with every draw stubbed below it, and "never" a draw above.
 */
const drawAlways = (value: number) => vi.spyOn(Math, 'random').mockReturnValue(value);
afterEach(() => vi.restoreAllMocks());

describe('gold pairs in label.next', () => {
  it('with every draw under goldRate serves gold pairs until the user has labeled them all, then normal pairs', async () => {
    drawAlways(0);
    // Gold pairs are given the lowest priority: only the gold pick can put them first.
    const run = await goldRun({ count: 5, gold: 2, goldRate: 0.5 });
    await db.update(pairs).set({ priority: -1 }).where(inArray(pairs.id, run.goldIds));
    const served = await labelAll(await addUser(db, 'annotator'), run.runId);
    expect(served.slice(0, 2).sort()).toEqual([...run.goldIds].sort());
    expect(served.slice(2).sort()).toEqual([...run.normalIds].sort());
  });

  it('with every draw at or over goldRate serves normal pairs only', async () => {
    drawAlways(0.5);
    const run = await goldRun({ count: 4, gold: 2, goldRate: 0.5 });
    await db.update(pairs).set({ priority: 5 }).where(inArray(pairs.id, run.goldIds));
    // Gold pairs are never picked by the normal pick, whatever their priority.
    expect((await labelAll(await addUser(db, 'annotator'), run.runId)).sort()).toEqual([...run.normalIds].sort());
  });

  it('with goldRate 0 never serves a gold pair (nor counts one as waiting), even on the lowest draw', async () => {
    drawAlways(0);
    const run = await goldRun({ count: 4, gold: 2, goldRate: 0 });
    await db.update(pairs).set({ priority: 5 }).where(inArray(pairs.id, run.goldIds));
    const user = await addUser(db, 'annotator');
    expect((await callerFor(db, user).label.status({ runId: run.runId })).pairsWaiting).toBe(2);
    const served = await labelAll(user, run.runId);
    expect(served.sort()).toEqual([...run.normalIds].sort());
  });

  it('serves a gold pair to every annotator even with labels_wanted 1, and it stays pending', async () => {
    drawAlways(0);
    const run = await goldRun({ count: 2, gold: 1, goldRate: 0.5, labelsWanted: 1 });
    const goldId = run.goldIds[0]!;
    const [alice, bob, carol] = [await addUser(db, 'annotator'), await addUser(db, 'annotator'), await addUser(db, 'annotator')];
    const clock = manualClock();
    // Alice holds a lease on it while Bob asks: for a normal pair with overlap 1 that would block Bob.
    expect((await callerFor(db, alice, clock.now).label.next({ runId: run.runId })).pair?.id).toBe(goldId);
    expect((await callerFor(db, bob, clock.now).label.next({ runId: run.runId })).pair?.id).toBe(goldId);
    await labelAll(alice, run.runId, clock);
    await labelAll(bob, run.runId, clock);
    expect((await callerFor(db, carol, clock.now).label.next({ runId: run.runId })).pair?.id).toBe(goldId);
    expect((await firstRow(db.select({ s: pairs.status }).from(pairs).where(eq(pairs.id, goldId))))?.s).toBe('pending');
  });

  it('gives a held pair back on reload whatever the draw: a gold one on a miss, a normal one on a hit', async () => {
    const run = await goldRun({ count: 3, gold: 1, goldRate: 0.5 });
    const [goldId] = run.goldIds as [number];
    const clock = manualClock();
    const gilda = callerFor(db, await addUser(db, 'annotator'), clock.now);
    drawAlways(0);
    expect((await gilda.label.next({ runId: run.runId })).pair?.id).toBe(goldId);
    drawAlways(0.9);
    expect((await gilda.label.next({ runId: run.runId })).pair?.id).toBe(goldId);

    const norm = callerFor(db, await addUser(db, 'annotator'), clock.now);
    const first = (await norm.label.next({ runId: run.runId })).pair?.id;
    expect(first).toBe(run.normalIds[0]);
    drawAlways(0);
    expect((await norm.label.next({ runId: run.runId })).pair?.id).toBe(first);
  });
});

describe('goldRateOf', () => {
  it('reads the run config, falling back to the default when missing or invalid', () => {
    expect(goldRateOf({ goldRate: 0.3 })).toBe(0.3);
    expect(goldRateOf({})).toBe(DEFAULT_GOLD_RATE);
    expect(goldRateOf({ goldRate: 0.9 })).toBe(DEFAULT_GOLD_RATE);
    expect(goldRateOf(null)).toBe(DEFAULT_GOLD_RATE);
    expect(DEFAULT_GOLD_RATE).toBe(0.1);
  });
});

describe('quality.agreement with gold pairs', () => {
  it("scores each annotator's withGold against a hand count", async () => {
    const run = await goldRun({ count: 4, gold: 3, goldRate: 0.1 });
    // Their gold answers so far are all 'left'; two are changed below.
    const [g1, g2, g3] = run.goldIds as [number, number, number];
    await callerFor(db, admin).quality.setGold({ pairId: g2, choice: 'right' });
    await callerFor(db, admin).quality.setGold({ pairId: g3, choice: 'equal' });
    // Gold answers: g1 left, g2 right, g3 equal. The 4th pair is not gold.
    const [x, y] = [await addUser(db, 'annotator'), await addUser(db, 'annotator')];
    const answers: [User, number, Choice, boolean?][] = [
      [x, g1, 'left'], [x, g2, 'right'], [x, g3, 'left'], [x, run.normalIds[0]!, 'right'], // gold: 2 of 3
      [y, g1, 'right'], [y, g2, 'cant_tell'], [y, g3, 'equal'], // gold: 1 of 2 (cant_tell is no answer)
      [y, g1, 'left', true], // undone: must not count
    ];
    for (const [u, pairId, choice, undone] of answers) await insertLabel(db, { pairId, userId: u.id, choice, answeredAt: 1_740_000_000_000, undone });
    const report = await callerFor(db, admin).quality.agreement({ runId: run.runId });
    const byName = new Map(report.perAnnotator.map((p) => [p.annotator, p.withGold]));
    expect(report.goldPairs).toBe(3);
    expect(byName.get(x.pseudonym)).toEqual({ compared: 3, agreed: 2, rate: 2 / 3 });
    expect(byName.get(y.pseudonym)).toEqual({ compared: 2, agreed: 1, rate: 1 / 2 });
  });

  it('reports withGold null when the run has no gold pairs', async () => {
    const run = await addRun(db, { count: 1 });
    await insertLabel(db, { pairId: run.pairIds[0]!, userId: (await addUser(db, 'annotator')).id, choice: 'left', answeredAt: 1_740_000_000_000 });
    const report = await callerFor(db, admin).quality.agreement({ runId: run.runId });
    expect(report.goldPairs).toBe(0);
    expect(report.perAnnotator[0]?.withGold).toBeNull();
  });
});

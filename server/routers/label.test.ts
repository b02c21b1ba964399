import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { labels, leases, pairs, runs, type User } from '@/db/schema';
import type { Db } from '@/db/client';
import { LEASE_MS, MAX_RESPONSE_MS, UNDO_WINDOW_MS } from '../queue';
import { addRun, addUser, callerFor, freshDb, manualClock, outcome } from '@/tests/helpers/server/fixtures';
import { firstRow } from '@/db/dialect';

let db: Db;
let cleanup: () => void;
beforeAll(async () => ({ db, cleanup } = (await freshDb('label'))));
afterAll(() => cleanup());

/** Each test gets its own run and users, so tests never see each other's pairs. */
async function setup(opts: Parameters<typeof addRun>[1]) {
  const clock = manualClock();
  const run = await addRun(db, opts);
  const [alice, bob, carol] = [await addUser(db, 'annotator'), await addUser(db, 'annotator'), await addUser(db, 'researcher')];
  const as = (u: User) => callerFor(db, u, clock.now);
  return { clock, run, alice, bob, carol, as };
}

function submitInput(pairId: number, clock: { now: () => number }, choice: 'left' | 'right' | 'equal' | 'cant_tell' = 'left') {
  return { submissionId: randomUUID(), pairId, choice, shownAt: clock.now() - 1500, answeredAt: clock.now() };
}

describe('label.next', () => {
  it('leases by priority, then age, and returns both clips with the run text', async () => {
    const { run, alice, as, clock } = await setup({ count: 3, priorities: [0.1, 0.9, 0.9] });
    const { pair, status } = await as(alice).label.next({ runId: run.runId });
    // Two pairs share the top priority; the older (inserted first) wins.
    expect(pair?.id).toBe(run.pairIds[1]);
    expect(pair?.leaseExpiresAt).toBe(clock.now() + LEASE_MS);
    expect(pair?.instructions).toBe('Pick the clip nearer the goal.');
    expect(pair?.left.envId).toBe('grid5');
    expect(pair?.left.states).toHaveLength(pair!.left.actions.length + 1);
    expect(pair?.right.states).toEqual([{ row: 0, col: 1 }, { row: 1, col: 1 }]);
    expect(status).toMatchObject({ labeledToday: 0, pairsWaiting: 3, runName: 'test run' });
  });

  it('gives a reload the same pair and a prefetch a different one', async () => {
    const { run, alice, as } = await setup({ count: 3 });
    const first = (await as(alice).label.next({ runId: run.runId })).pair!;
    expect((await as(alice).label.next({ runId: run.runId })).pair?.id).toBe(first.id);
    const prefetched = (await as(alice).label.next({ runId: run.runId, excludePairIds: [first.id] })).pair!;
    expect(prefetched.id).not.toBe(first.id);
    // A reload that already shows `first` asks again excluding it: the held prefetch comes back.
    expect((await as(alice).label.next({ runId: run.runId, excludePairIds: [first.id] })).pair?.id).toBe(prefetched.id);
    const leased = await db.select().from(leases).where(eq(leases.userId, alice.id));
    expect(leased.map((l) => l.pairId).sort()).toEqual([first.id, prefetched.id].sort());
  });

  it('never gives two annotators the same pair when overlap is 1, and both when it is 2', async () => {
    const one = await setup({ count: 2 });
    const a1 = (await one.as(one.alice).label.next({ runId: one.run.runId })).pair!;
    const b1 = (await one.as(one.bob).label.next({ runId: one.run.runId })).pair!;
    expect(a1.id).not.toBe(b1.id);
    expect((await one.as(one.carol).label.next({ runId: one.run.runId })).pair).toBeNull();

    const two = await setup({ count: 2, labelsWanted: 2 });
    const a2 = (await two.as(two.alice).label.next({ runId: two.run.runId })).pair!;
    const b2 = (await two.as(two.bob).label.next({ runId: two.run.runId })).pair!;
    expect(b2.id).toBe(a2.id);
    expect((await two.as(two.carol).label.next({ runId: two.run.runId })).pair?.id).not.toBe(a2.id);
  });

  it('returns an expired lease to the queue', async () => {
    const { run, alice, bob, as, clock } = await setup({ count: 1 });
    const held = (await as(alice).label.next({ runId: run.runId })).pair!;
    clock.advance(LEASE_MS - 1);
    expect((await as(bob).label.next({ runId: run.runId })).pair).toBeNull();
    clock.advance(2);
    expect((await as(bob).label.next({ runId: run.runId })).pair?.id).toBe(held.id);
    // Alice's answer now comes too late: the pair is Bob's.
    expect(await outcome(as(alice).label.submit(submitInput(held.id, clock)))).toBe('CONFLICT');
    expect((await as(bob).label.submit(submitInput(held.id, clock))).duplicate).toBe(false);
  });

  it('offers nothing from paused runs and refuses unknown runs', async () => {
    const { run, alice, as } = await setup({ count: 2, status: 'paused' });
    expect((await as(alice).label.next({ runId: run.runId })).pair).toBeNull();
    expect(await outcome(as(alice).label.next({ runId: 987_654 }))).toBe('NOT_FOUND');
  });
});

describe('label.submit', () => {
  it('stores choice, y, timings and response time, and retires the pair at labels_wanted', async () => {
    const { run, alice, bob, as, clock } = await setup({ count: 1, labelsWanted: 2 });
    const expected = { left: 1, right: 0 } as const;
    for (const [user, choice] of [[alice, 'left'], [bob, 'right']] as const) {
      const pair = (await as(user).label.next({ runId: run.runId })).pair!;
      const input = submitInput(pair.id, clock, choice);
      const result = await as(user).label.submit(input);
      expect(result).toEqual({ labelId: result.labelId, pairId: pair.id, choice, y: expected[choice], duplicate: false });
      const row = (await firstRow(db.select().from(labels).where(eq(labels.id, result.labelId))))!;
      expect(row).toMatchObject({ userId: user.id, shownAt: input.shownAt, answeredAt: input.answeredAt, responseMs: 1500, undoneAt: null });
      clock.advance(1000);
    }
    expect((await firstRow(db.select().from(pairs).where(eq(pairs.id, run.pairIds[0]!))))?.status).toBe('done');
    expect((await db.select().from(leases).where(eq(leases.pairId, run.pairIds[0]!)))).toEqual([]);
  });

  it('maps equal to 0.5 and cant_tell to no y, and cant_tell still counts as answered', async () => {
    const { run, alice, as, clock } = await setup({ count: 2, labelsWanted: 2 });
    const p1 = (await as(alice).label.next({ runId: run.runId })).pair!;
    expect((await as(alice).label.submit(submitInput(p1.id, clock, 'equal'))).y).toBe(0.5);
    const p2 = (await as(alice).label.next({ runId: run.runId })).pair!;
    expect(p2.id).not.toBe(p1.id);
    const cant = await as(alice).label.submit(submitInput(p2.id, clock, 'cant_tell'));
    expect(cant.y).toBeNull();
    expect((await firstRow(db.select().from(labels).where(eq(labels.id, cant.labelId))))?.y).toBeNull();
    // Both pairs still want a second annotator, but not this one.
    expect((await as(alice).label.next({ runId: run.runId })).pair).toBeNull();
  });

  it('is idempotent by submissionId, also after the lease is gone', async () => {
    const { run, alice, bob, as, clock } = await setup({ count: 2 });
    const pair = (await as(alice).label.next({ runId: run.runId })).pair!;
    const input = submitInput(pair.id, clock);
    const first = await as(alice).label.submit(input);
    clock.advance(LEASE_MS * 3);
    const again = await as(alice).label.submit(input);
    expect(again).toEqual({ ...first, duplicate: true });
    expect((await db.select().from(labels).where(eq(labels.submissionId, input.submissionId)))).toHaveLength(1);
    // The same id from someone else, or for another pair, is a clash, not a duplicate.
    expect(await outcome(as(bob).label.submit(input))).toBe('CONFLICT');
    expect(await outcome(as(alice).label.submit({ ...input, pairId: run.pairIds[1]! }))).toBe('CONFLICT');
  });

  it('answers concurrent retries of one submission with one row', async () => {
    const { run, alice, as, clock } = await setup({ count: 1 });
    const pair = (await as(alice).label.next({ runId: run.runId })).pair!;
    const input = submitInput(pair.id, clock);
    const results = await Promise.all([1, 2, 3].map(() => as(alice).label.submit(input)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.labelId)).size).toBe(1);
  });

  it('refuses pairs not leased to you, unknown pairs and impossible timings', async () => {
    const { run, alice, bob, as, clock } = await setup({ count: 2 });
    const pair = (await as(alice).label.next({ runId: run.runId })).pair!;
    expect(await outcome(as(bob).label.submit(submitInput(pair.id, clock)))).toBe('CONFLICT');
    expect(await outcome(as(bob).label.submit(submitInput(run.pairIds[1]!, clock)))).toBe('CONFLICT');
    expect(await outcome(as(alice).label.submit(submitInput(999_999, clock)))).toBe('NOT_FOUND');
    const backwards = { ...submitInput(pair.id, clock), shownAt: clock.now() + 1 };
    expect(await outcome(as(alice).label.submit(backwards))).toBe('BAD_REQUEST');
    const absurd = { ...submitInput(pair.id, clock), shownAt: clock.now() - MAX_RESPONSE_MS - 1 };
    expect(await outcome(as(alice).label.submit(absurd))).toBe('BAD_REQUEST');
    expect((await db.select().from(labels).where(eq(labels.pairId, pair.id)))).toEqual([]);
  });

  it('answers malformed bodies with BAD_REQUEST, never a 500', async () => {
    const { run, alice, as, clock } = await setup({ count: 1 });
    const pair = (await as(alice).label.next({ runId: run.runId })).pair!;
    const good = submitInput(pair.id, clock);
    const bad: unknown[] = [
      undefined,
      {},
      { ...good, submissionId: 'not-a-uuid' },
      { ...good, choice: 'up' },
      { ...good, pairId: String(pair.id) },
      { ...good, pairId: -1 },
      { ...good, pairId: 1.5 },
      { ...good, shownAt: 1.25 },
      { ...good, answeredAt: Number.NaN },
      { ...good, answeredAt: undefined },
      'left',
    ];
    for (const body of bad) {
      expect(await outcome(as(alice).label.submit(body as never)), JSON.stringify(body)).toBe('BAD_REQUEST');
    }
    expect(await outcome(as(alice).label.next({ excludePairIds: ['x'] } as never))).toBe('BAD_REQUEST');
    expect(await outcome(as(alice).label.next({ runId: 0 }))).toBe('BAD_REQUEST');
    expect(await outcome(as(alice).label.undo({ labelId: 'one' } as never))).toBe('BAD_REQUEST');
  });
});

describe('label.undo', () => {
  it('within 30 s takes the label back and leases the pair to you again', async () => {
    const { run, alice, bob, as, clock } = await setup({ count: 1 });
    const pair = (await as(alice).label.next({ runId: run.runId })).pair!;
    const { labelId } = await as(alice).label.submit(submitInput(pair.id, clock));
    expect((await firstRow(db.select().from(pairs).where(eq(pairs.id, pair.id))))?.status).toBe('done');
    clock.advance(UNDO_WINDOW_MS);
    const undone = await as(alice).label.undo({ labelId });
    expect(undone.pair.id).toBe(pair.id);
    expect(undone.pair.leaseExpiresAt).toBe(clock.now() + LEASE_MS);
    expect((await firstRow(db.select().from(labels).where(eq(labels.id, labelId))))?.undoneAt).toBe(clock.now());
    expect((await firstRow(db.select().from(pairs).where(eq(pairs.id, pair.id))))?.status).toBe('pending');
    // The pair is Alice's again, not Bob's; she can answer it anew.
    expect((await as(bob).label.next({ runId: run.runId })).pair).toBeNull();
    const redo = await as(alice).label.submit(submitInput(pair.id, clock, 'right'));
    expect(redo.labelId).not.toBe(labelId);
    expect(await outcome(as(alice).label.undo({ labelId }))).toBe('CONFLICT');
  });

  it('after 30 s, or on someone else\'s label, is refused', async () => {
    const { run, alice, bob, as, clock } = await setup({ count: 1 });
    const pair = (await as(alice).label.next({ runId: run.runId })).pair!;
    const { labelId } = await as(alice).label.submit(submitInput(pair.id, clock));
    expect(await outcome(as(bob).label.undo({ labelId }))).toBe('NOT_FOUND');
    clock.advance(UNDO_WINDOW_MS + 1);
    expect(await outcome(as(alice).label.undo({ labelId }))).toBe('CONFLICT');
    expect((await firstRow(db.select().from(labels).where(eq(labels.id, labelId))))?.undoneAt).toBeNull();
    expect(await outcome(as(alice).label.undo({ labelId: 999_999 }))).toBe('NOT_FOUND');
  });
});

describe('label.status', () => {
  it('counts my labels today and the pairs still waiting for me', async () => {
    const { run, alice, bob, as, clock } = await setup({ count: 3, name: 'status run' });
    expect(await as(alice).label.status({ runId: run.runId })).toMatchObject({ labeledToday: 0, pairsWaiting: 3, runName: 'status run' });
    for (let i = 0; i < 2; i++) {
      const pair = (await as(alice).label.next({ runId: run.runId })).pair!;
      await as(alice).label.submit(submitInput(pair.id, clock));
    }
    expect(await as(alice).label.status({ runId: run.runId })).toMatchObject({ labeledToday: 2, pairsWaiting: 1, runName: 'status run' });
    // Bob holds the last pair: it no longer waits for Alice.
    await as(bob).label.next({ runId: run.runId });
    expect((await as(alice).label.status({ runId: run.runId })).pairsWaiting).toBe(0);
    expect((await as(bob).label.status({ runId: run.runId })).pairsWaiting).toBe(1);
    // A label from yesterday is not today's.
    clock.advance(24 * 60 * 60_000);
    expect((await as(alice).label.status({ runId: run.runId })).labeledToday).toBe(0);
    await db.update(runs).set({ status: 'stopped' }).where(eq(runs.id, run.runId));
    expect((await as(bob).label.status({ runId: run.runId })).pairsWaiting).toBe(0);
  });
});

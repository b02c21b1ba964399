import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { labels, leases, runAssignments, runs, type User } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import type { Db } from '@/db/client';
import { readExportPages } from '../export/query';
import { collect } from '@/tests/helpers/collect';
import { readLabels } from '@/trainer/service/store';
import { toPreference } from '@/trainer/service/label-rows';
import { appRouter } from '../root';
import { addRun, addUser, callerFor, freshDb, manualClock, outcome } from '@/tests/helpers/server/fixtures';
import { firstRow } from '@/db/dialect';

let db: Db;
let cleanup: () => void;
beforeAll(async () => ({ db, cleanup } = (await freshDb('campaigns'))));
afterAll(() => cleanup());

async function setup(opts: Parameters<typeof addRun>[1]) {
  const clock = manualClock();
  const run = await addRun(db, opts);
  const [alice, bob, res] = [await addUser(db, 'annotator'), await addUser(db, 'annotator'), await addUser(db, 'researcher')];
  const as = (u: User) => callerFor(db, u, clock.now);
  return { clock, run, alice, bob, res, as };
}

const submitInput = (pairId: number, clock: { now: () => number }, choice: 'left' | 'right' | 'equal' = 'left') => ({
  submissionId: randomUUID(), pairId, choice, shownAt: clock.now() - 1500, answeredAt: clock.now(),
});

const liveLabels = async (userId: number) => await db.select().from(labels).where(and(eq(labels.userId, userId), isNull(labels.undoneAt)));

async function exported(runId: number, includeFlagged = false) {
  return (await collect(readExportPages(db, { runId, includeFlagged }))).flat().map((r) => ({ pairId: r.pair_id, choice: r.choice, y: r.y }));
}

describe('paused and stopped runs (issue 11 item 5)', () => {
  it('refuse a submit on a lease taken while the run was active, and store nothing', async () => {
    for (const status of ['paused', 'stopped'] as const) {
      const { run, alice, as, clock } = await setup({ count: 2 });
      const pair = (await as(alice).label.next({ runId: run.runId })).pair!;
      await writeTx(db, (tx) => tx.update(runs).set({ status }).where(eq(runs.id, run.runId)));
      const refused = as(alice).label.submit(submitInput(pair.id, clock));
      await expect(refused).rejects.toThrow(new RegExp(`is ${status}`));
      expect(await outcome(as(alice).label.submit(submitInput(pair.id, clock)))).toBe('CONFLICT');
      expect(await liveLabels(alice.id)).toHaveLength(0);
      const { pair: none, status: st } = await as(alice).label.next({ runId: run.runId });
      expect(none).toBeNull();
      expect(st.runStatus).toBe(status);
    }
  });

  it('refuse an undo on a paused run, so the pair is not handed out again', async () => {
    const { run, alice, as, clock } = await setup({ count: 1 });
    const pair = (await as(alice).label.next({ runId: run.runId })).pair!;
    const { labelId } = await as(alice).label.submit(submitInput(pair.id, clock));
    await writeTx(db, (tx) => tx.update(runs).set({ status: 'paused' }).where(eq(runs.id, run.runId)));
    expect(await outcome(as(alice).label.undo({ labelId }))).toBe('CONFLICT');
    expect((await firstRow(db.select().from(labels).where(eq(labels.id, labelId))))?.undoneAt).toBeNull();
    expect((await db.select().from(leases).where(eq(leases.pairId, pair.id)))).toHaveLength(0);
  });
});

describe('replaying a submission (issue 11 item 14)', () => {
  it('answers CONFLICT, not duplicate, once that label was undone', async () => {
    const { run, alice, as, clock } = await setup({ count: 1 });
    const pair = (await as(alice).label.next({ runId: run.runId })).pair!;
    const input = submitInput(pair.id, clock);
    const first = await as(alice).label.submit(input);
    expect((await as(alice).label.submit(input)).duplicate).toBe(true);
    await as(alice).label.undo({ labelId: first.labelId });
    await expect(as(alice).label.submit(input)).rejects.toThrow(/undone and is not stored/);
    expect(await liveLabels(alice.id)).toHaveLength(0);
  });
});

describe('label.next grants a lease (issue 11 item 15a)', () => {
  it('is a mutation, so the HTTP adapter never serves it on a GET', () => {
    const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
    expect(procedures['label.next']!._def.type).toBe('mutation');
    expect(procedures['label.status']!._def.type).toBe('query');
  });
});

describe('assignments', () => {
  it('an annotator sees and labels only runs open to all or assigned to them', async () => {
    const { run, alice, bob, res, as } = await setup({ count: 2, openToAll: false, name: 'closed run' });
    expect(await outcome(as(alice).label.next({ runId: run.runId }))).toBe('NOT_FOUND');
    expect((await as(alice).label.myRuns()).map((r) => r.id)).not.toContain(run.runId);
    // The mixed queue leaves the closed run out too.
    for (let i = 0; i < 5; i++) {
      const p = (await as(alice).label.next({})).pair;
      expect(p?.runId).not.toBe(run.runId);
      if (!p) break;
    }
    // Researchers see every run.
    expect((await as(res).label.next({ runId: run.runId })).pair?.runId).toBe(run.runId);

    await as(res).runs.setAssignments({ runId: run.runId, userIds: [alice.id] });
    expect((await db.select().from(runAssignments).where(eq(runAssignments.runId, run.runId))).map((a) => a.userId)).toEqual([alice.id]);
    const mine = (await as(alice).label.myRuns()).find((r) => r.id === run.runId);
    expect(mine).toMatchObject({ name: 'closed run', mine: 0, pairsWaiting: 1, practiceRequired: false });
    expect((await as(alice).label.next({ runId: run.runId })).pair?.runId).toBe(run.runId);
    expect(await outcome(as(bob).label.next({ runId: run.runId }))).toBe('NOT_FOUND');
    expect(await outcome(as(res).runs.setAssignments({ runId: run.runId, userIds: [res.id] }))).toBe('BAD_REQUEST');

    await as(res).runs.updateCampaign({ runId: run.runId, openToAll: true, labelTarget: 40 });
    expect((await as(bob).label.myRuns()).find((r) => r.id === run.runId)?.labelTarget).toBe(40);
  });
});

describe('practice round', () => {
  it('gates real labels until the annotator matches gold often enough', async () => {
    // Pairs 0-1 are the examples, 2-3 the practice round (gold), 4-5 real pairs.
    const { run, alice, as, clock } = await setup({ count: 6, practicePairs: 2, goldChoices: ['left', 'right', 'left', 'right', null, null] });
    const onboarding = await as(alice).label.onboarding({ runId: run.runId });
    expect(onboarding.examples.map((e) => [e.pairId, e.answer])).toEqual([[run.pairIds[0], 'left'], [run.pairIds[1], 'right']]);
    expect(onboarding.practice.map((p) => p.pairId)).toEqual([run.pairIds[2], run.pairIds[3]]);
    expect(onboarding.practice[0]).not.toHaveProperty('answer');
    expect(onboarding).toMatchObject({ passNeeded: 2, passed: false });

    const gated = await as(alice).label.next({ runId: run.runId });
    expect(gated.pair).toBeNull();
    expect(gated.status.practiceRequired).toBe(true);
    expect(await outcome(as(alice).label.submit(submitInput(run.pairIds[4]!, clock)))).toBe('PRECONDITION_FAILED');

    const failed = await as(alice).label.practice({ runId: run.runId, answers: [{ pairId: run.pairIds[2]!, choice: 'left' }, { pairId: run.pairIds[3]!, choice: 'left' }] });
    expect(failed).toMatchObject({ correct: 1, total: 2, passed: false });
    expect((await as(alice).label.next({ runId: run.runId })).pair).toBeNull();
    expect(await outcome(as(alice).label.practice({ runId: run.runId, answers: [{ pairId: run.pairIds[4]!, choice: 'left' }] }))).toBe('BAD_REQUEST');

    const passed = await as(alice).label.practice({ runId: run.runId, answers: [{ pairId: run.pairIds[2]!, choice: 'left' }, { pairId: run.pairIds[3]!, choice: 'right' }] });
    expect(passed).toMatchObject({ correct: 2, passed: true });
    const next = await as(alice).label.next({ runId: run.runId });
    expect(next.pair).not.toBeNull();
    expect(next.status.practiceRequired).toBe(false);
  });
});

describe('onboarding with few gold pairs', () => {
  it('never shows the answer of a pair it then scores', async () => {
    for (const [gold, examples] of [[3, 1], [2, 0], [1, 0]] as const) {
      const goldChoices = Array.from({ length: 4 }, (_, i) => (i < gold ? 'left' : null));
      const { run, alice, as } = await setup({ count: 4, practicePairs: 2, goldChoices });
      const onboarding = await as(alice).label.onboarding({ runId: run.runId });
      const shown = onboarding.examples.map((e) => e.pairId);
      const scored = onboarding.practice.map((p) => p.pairId);
      expect(shown, `${gold} gold pairs`).toHaveLength(examples);
      expect(scored, `${gold} gold pairs`).toHaveLength(Math.min(2, gold));
      expect(shown.filter((id) => scored.includes(id)), `${gold} gold pairs`).toEqual([]);
      expect(onboarding.passNeeded).toBe(Math.ceil(0.8 * scored.length));
    }
  });
});

describe('history: edit and flag', () => {
  it('an edited choice is what the trainer and the export read', async () => {
    const { run, alice, as, clock } = await setup({ count: 2 });
    const pair = (await as(alice).label.next({ runId: run.runId })).pair!;
    const { labelId } = await as(alice).label.submit(submitInput(pair.id, clock, 'left'));
    expect((await readLabels(db, run.runId, Number.MAX_SAFE_INTEGER)).map((l) => l.y)).toEqual([1]);
    clock.advance(10 * 60_000); // long past the undo window
    const history = await as(alice).label.history({ runId: run.runId });
    expect(history.rows).toMatchObject([{ labelId, pairId: pair.id, choice: 'left', editable: true, flag: null }]);
    const edited = await as(alice).label.edit({ labelId, choice: 'right' });
    expect(edited.labelId).toBeGreaterThan(labelId);
    expect((await readLabels(db, run.runId, Number.MAX_SAFE_INTEGER)).map((l) => ({ id: l.labelId, y: l.y }))).toEqual([{ id: edited.labelId, y: 0 }]);
    expect(await exported(run.runId)).toEqual([{ pairId: pair.id, choice: 'right', y: 0 }]);
    expect(await outcome(as(alice).label.edit({ labelId, choice: 'equal' }))).toBe('CONFLICT');
    await writeTx(db, (tx) => tx.update(runs).set({ status: 'stopped' }).where(eq(runs.id, run.runId)));
    expect(await outcome(as(alice).label.edit({ labelId: edited.labelId, choice: 'equal' }))).toBe('CONFLICT');
    expect((await as(alice).label.history({ runId: run.runId })).rows[0]?.editable).toBe(false);
  });

  it('a flagged pair leaves the queue, the trainer and the export (unless asked)', async () => {
    const { run, alice, bob, as, clock } = await setup({ count: 2, labelsWanted: 2 });
    const pair = (await as(alice).label.next({ runId: run.runId })).pair!;
    await as(alice).label.submit(submitInput(pair.id, clock));
    expect(await outcome(as(bob).label.flag({ pairId: run.pairIds[1]!, side: 'left', comment: 'never shown to me' }))).toBe('FORBIDDEN');
    expect(await outcome(as(alice).label.flag({ pairId: pair.id, side: 'left', comment: '   ' }))).toBe('BAD_REQUEST');
    await as(alice).label.flag({ pairId: pair.id, side: 'right', comment: 'the right clip freezes at frame 3' });
    expect(await readLabels(db, run.runId, Number.MAX_SAFE_INTEGER)).toEqual([]);
    expect(await exported(run.runId)).toEqual([]);
    expect(await exported(run.runId, true)).toHaveLength(1);
    // Bob would have been the pair's second annotator; it is not offered any more.
    const offered = (await as(bob).label.next({ runId: run.runId })).pair;
    expect(offered?.id).not.toBe(pair.id);
    expect((await as(alice).label.history({ runId: run.runId })).rows[0]?.flag).toEqual({ side: 'right', comment: 'the right clip freezes at frame 3' });
    const researcher = await addUser(db, 'researcher');
    expect(await callerFor(db, researcher).runs.flags({ runId: run.runId })).toMatchObject([{ pairId: pair.id, side: 'right' }]);
  });
});

describe('preference strength', () => {
  it('stores slightly better as y 0.75 / 0.25, refused where the run does not ask for it', async () => {
    const strong = await setup({ count: 2, preferenceStrength: true });
    const p1 = (await strong.as(strong.alice).label.next({ runId: strong.run.runId })).pair!;
    const r1 = await strong.as(strong.alice).label.submit({ ...submitInput(p1.id, strong.clock, 'right'), strength: 'slightly' });
    expect(r1.y).toBe(0.25);
    const p2 = (await strong.as(strong.alice).label.next({ runId: strong.run.runId })).pair!;
    expect(await outcome(strong.as(strong.alice).label.submit({ ...submitInput(p2.id, strong.clock, 'equal'), strength: 'slightly' }))).toBe('BAD_REQUEST');
    expect((await strong.as(strong.alice).label.submit({ ...submitInput(p2.id, strong.clock, 'left'), strength: 'slightly' })).y).toBe(0.75);
    // The trainer's target is the stored y itself, and the export carries it.
    expect((await readLabels(db, strong.run.runId, Number.MAX_SAFE_INTEGER)).map((l) => toPreference(l.y))).toEqual([0.25, 0.75]);
    expect((await exported(strong.run.runId)).map((r) => r.y)).toEqual([0.25, 0.75]);

    const plain = await setup({ count: 1 });
    const p3 = (await plain.as(plain.alice).label.next({ runId: plain.run.runId })).pair!;
    expect(await outcome(plain.as(plain.alice).label.submit({ ...submitInput(p3.id, plain.clock, 'left'), strength: 'slightly' }))).toBe('BAD_REQUEST');
    expect(await liveLabels(plain.alice.id)).toHaveLength(0);
  });

  it('toPreference keeps the five levels and snaps anything else to the nearest', () => {
    expect([1, 0.75, 0.5, 0.25, 0].map(toPreference)).toEqual([1, 0.75, 0.5, 0.25, 0]);
    expect([0.9, 0.6, 0.1, 0.3].map(toPreference)).toEqual([1, 0.5, 0, 0.25]);
  });
});

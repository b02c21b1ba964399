import { afterEach, describe, expect, it } from 'vitest';
import { trainerHeartbeats } from '@/db/schema';
import { HEALTHY_WITHIN_MS, LISTED_WITHIN_MS, markTrainerStopped, writeHeartbeat } from '@/db/heartbeat';
import { claimRuns } from '@/db/run-leases';
import { addRun, addUser, callerFor, freshDb } from '@/tests/helpers/server/fixtures';
import { appRouter } from '@/server/root';
import { createCallerFactory, createContextInner } from '@/server/trpc';
import { trainerHealthText, trainerLine } from '@/components/runs/trainerHealth';
import { TrainerService } from './trainer-service';

/**
 * Trainer health from the database (issue 11, item 2): the service writes a heartbeat row every
 * few seconds; runs.list reports healthy / down / never from it, as any web replica would.
 */
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('trainer heartbeat', () => {
  it('runs.list says never, then healthy while the service beats, then down once it stops or goes silent', async () => {
    const { db, cleanup } = await freshDb('heartbeat');
    cleanups.push(cleanup);
    await addRun(db, { count: 1 });
    const researcher = await addUser(db, 'researcher');
    const list = async (now?: number) => {
      const caller = now === undefined ? callerFor(db, researcher) : createCallerFactory(appRouter)(createContextInner({ db, session: { user: { id: researcher.id, role: 'researcher', email: researcher.email, name: researcher.name } }, now: () => now }));
      return (await caller.runs.list())[0]!.trainer;
    };
    expect((await list()).state).toBe('never');

    const service = new TrainerService({ db, simulate: false, log: () => {}, heartbeatMs: 50, pollMs: 20 });
    service.start();
    await sleep(300);
    const first = await list();
    expect(first).toMatchObject({ state: 'healthy', stoppedAt: null, pid: process.pid });
    await sleep(200);
    const later = await list();
    expect(later.lastSeenAt!).toBeGreaterThan(first.lastSeenAt!);
    expect((await db.select().from(trainerHeartbeats))).toHaveLength(1);
    // A trainer that stops beating (killed, hung) is down once its last beat is old enough.
    expect((await list(later.lastSeenAt! + HEALTHY_WITHIN_MS + 1)).state).toBe('down');

    await service.stop();
    const stopped = await list();
    expect(stopped.state).toBe('down');
    expect(stopped.stoppedAt).not.toBeNull();
    expect(trainerHealthText(stopped, stopped.lastSeenAt! + 3 * 60_000)).toBe('trainer: down · last seen 3 min ago (shut down)');
    expect(trainerHealthText(later, later.lastSeenAt!)).toBe('trainer: healthy · last seen just now');
  });

  it('with several trainers: each one listed, the headline is the freshest healthy one, and each run names the trainer holding its lease', async () => {
    const { db, cleanup } = await freshDb('heartbeats');
    cleanups.push(cleanup);
    const { runId } = await addRun(db, { count: 1 });
    const researcher = await addUser(db, 'researcher');
    const at = 1_800_000_000_000;
    const list = async (now: number) =>
      createCallerFactory(appRouter)(createContextInner({ db, session: { user: { id: researcher.id, role: 'researcher', email: researcher.email, name: researcher.name } }, now: () => now })).runs.list();
    await writeHeartbeat(db, { trainerId: 'gpu-1', pid: 11, startedAt: at - 60_000, now: at - 1_000, activeRuns: 1, engines: ['neural'], heldRuns: 1 });
    await writeHeartbeat(db, { trainerId: 'cpu-1', pid: 12, startedAt: at - 60_000, now: at - 500, activeRuns: 1, engines: ['tabular', 'continuous'], heldRuns: 0 });
    await writeHeartbeat(db, { trainerId: 'old', pid: 13, startedAt: at - LISTED_WITHIN_MS - 10, now: at - LISTED_WITHIN_MS - 1, activeRuns: 0 });
    await markTrainerStopped(db, 'cpu-1', at - 400);
    await claimRuns(db, { holderId: 'gpu-1', runIds: [runId], held: new Map(), now: at - 1_000, leaseMs: 15_000 });

    const [row] = await list(at);
    // cpu-1 beat last but shut down: the headline is gpu-1, alive; 'old' is past the list's window.
    expect(row!.trainer).toMatchObject({ state: 'healthy', lastSeenAt: at - 1_000, pid: 11, stoppedAt: null });
    expect(row!.trainer.trainers.map((t) => [t.trainerId, t.state])).toEqual([['gpu-1', 'healthy'], ['cpu-1', 'down']]);
    expect(trainerHealthText(row!.trainer, at)).toBe('trainers: 1 of 2 healthy · last seen just now');
    expect(row!.trainer.trainers.map(trainerLine)).toEqual(['gpu-1 (pid 11, neural): healthy, 1 run', 'cpu-1 (pid 12, tabular+continuous): down, 0 runs']);
    expect(row!.heldBy).toBe('gpu-1');

    // Once gpu-1 is silent past the health window and its lease expired: down, held by nobody.
    const [later] = await list(at + 15_000 + HEALTHY_WITHIN_MS);
    expect(later!.trainer.state).toBe('down');
    expect(later!.heldBy).toBeNull();
    expect(trainerHealthText(later!.trainer, at + 15_000 + HEALTHY_WITHIN_MS)).toBe('trainers: 0 of 2 healthy · last seen 26 s ago');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { trainerHeartbeats } from '@/db/schema';
import { HEALTHY_WITHIN_MS } from '@/db/heartbeat';
import { addRun, addUser, callerFor, freshDb } from '@/tests/helpers/server/fixtures';
import { appRouter } from '@/server/root';
import { createCallerFactory, createContextInner } from '@/server/trpc';
import { trainerHealthText } from '@/components/runs/trainerHealth';
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
});

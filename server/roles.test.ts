import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Db } from '@/db/client';
import type { User } from '@/db/schema';
import { addRun, addUser, callerFor, freshDb, outcome } from '@/tests/helpers/server/fixtures';

/**
 * The role matrix: every procedure called as anonymous, annotator, researcher and admin, with a
 * valid input, must succeed exactly for the roles allowed and fail with UNAUTHORIZED (anonymous)
 * or FORBIDDEN (wrong role) otherwise. The check is on the server, whatever the page shows.
 */

let db: Db;
let cleanup: () => void;
beforeAll(async () => ({ db, cleanup } = (await freshDb('roles'))));
afterAll(() => cleanup());

type RoleName = 'anonymous' | 'annotator' | 'researcher' | 'admin';
const ROLE_NAMES: RoleName[] = ['anonymous', 'annotator', 'researcher', 'admin'];
type Caller = ReturnType<typeof callerFor>;

/** A fresh signed-in user per call, so calls never depend on each other's leases or labels. */
async function userFor(role: RoleName): Promise<User | null> {
  return role === 'anonymous' ? null : await addUser(db, role);
}

/** Leases a pair as `caller` when it may (else returns a pair id that exists anyway). */
async function leasedPair(caller: Caller, role: RoleName, fallbackPairId: number): Promise<number> {
  if (role === 'anonymous') return fallbackPairId;
  return (await caller.label.next({})).pair!.id;
}

/** One small run for the read-only procedures (created on first use, after the db exists). */
let readOnlyRun: Awaited<ReturnType<typeof addRun>> | undefined;
const matrixRun = async () => (readOnlyRun ??= (await addRun(db, { count: 2, name: 'read-only matrix run' })));

const procedures: Record<string, { allowed: RoleName[]; call: (c: Caller, role: RoleName) => Promise<unknown> }> = {
  'label.next': { allowed: ['annotator', 'researcher', 'admin'], call: (c) => c.label.next({}) },
  'label.status': { allowed: ['annotator', 'researcher', 'admin'], call: (c) => c.label.status() },
  'label.submit': {
    allowed: ['annotator', 'researcher', 'admin'],
    call: async (c, role) => {
      const pairId = await leasedPair(c, role, 1);
      return c.label.submit({ submissionId: randomUUID(), pairId, choice: 'left', shownAt: 1000, answeredAt: 2000 });
    },
  },
  'label.undo': {
    allowed: ['annotator', 'researcher', 'admin'],
    call: async (c, role) => {
      let labelId = 1;
      if (role !== 'anonymous') {
        const pairId = await leasedPair(c, role, 1);
        labelId = (await c.label.submit({ submissionId: randomUUID(), pairId, choice: 'right', shownAt: 1000, answeredAt: 2000 })).labelId;
      }
      return c.label.undo({ labelId });
    },
  },
  'runs.list': { allowed: ['researcher', 'admin'], call: (c) => c.runs.list() },
  'admin.users.list': { allowed: ['admin'], call: (c) => c.admin.users.list() },
  'admin.users.create': {
    allowed: ['admin'],
    call: (c) => c.admin.users.create({ email: `new-${randomUUID()}@example.com`, name: 'New', role: 'annotator', password: 'long enough pw' }),
  },
  'admin.users.resetPassword': {
    allowed: ['admin'],
    call: async (c) => c.admin.users.resetPassword({ userId: (await addUser(db, 'annotator')).id, password: 'another long pw' }),
  },
  'runs.create': {
    allowed: ['researcher', 'admin'],
    call: (c) => c.runs.create({ name: 'matrix run', envId: 'grid5', instructions: 'Prefer the goal.' }),
  },
  'runs.pause': { allowed: ['researcher', 'admin'], call: async (c) => c.runs.pause({ runId: (await addRun(db, { count: 0 })).runId }) },
  'runs.resume': { allowed: ['researcher', 'admin'], call: async (c) => c.runs.resume({ runId: (await addRun(db, { count: 0, status: 'paused' })).runId }) },
  'runs.stop': { allowed: ['researcher', 'admin'], call: async (c) => c.runs.stop({ runId: (await addRun(db, { count: 0 })).runId }) },
  'inspect.run': { allowed: ['researcher', 'admin'], call: async (c) => c.inspect.run({ runId: (await matrixRun()).runId }) },
  'inspect.metrics': { allowed: ['researcher', 'admin'], call: async (c) => c.inspect.metrics({ runIds: [(await matrixRun()).runId] }) },
  'inspect.checkpoints': { allowed: ['researcher', 'admin'], call: async (c) => c.inspect.checkpoints({ runId: (await matrixRun()).runId }) },
  'inspect.pairs': { allowed: ['researcher', 'admin'], call: async (c) => c.inspect.pairs({ runId: (await matrixRun()).runId, limit: 5 }) },
  'inspect.pair': { allowed: ['researcher', 'admin'], call: async (c) => c.inspect.pair({ pairId: (await matrixRun()).pairIds[0]! }) },
  'quality.agreement': { allowed: ['researcher', 'admin'], call: async (c) => c.quality.agreement({ runId: (await matrixRun()).runId }) },
  'quality.setGold': {
    allowed: ['admin'],
    call: async (c) => c.quality.setGold({ pairId: (await addRun(db, { count: 1 })).pairIds[0]!, choice: 'left' }),
  },
  'label.myRuns': { allowed: ['annotator', 'researcher', 'admin'], call: (c) => c.label.myRuns() },
  'label.history': { allowed: ['annotator', 'researcher', 'admin'], call: (c) => c.label.history() },
  'label.edit': {
    allowed: ['annotator', 'researcher', 'admin'],
    call: async (c, role) => {
      let labelId = 1;
      if (role !== 'anonymous') {
        const pairId = await leasedPair(c, role, 1);
        labelId = (await c.label.submit({ submissionId: randomUUID(), pairId, choice: 'right', shownAt: 1000, answeredAt: 2000 })).labelId;
      }
      return c.label.edit({ labelId, choice: 'left' });
    },
  },
  'label.flag': {
    allowed: ['annotator', 'researcher', 'admin'],
    call: async (c, role) => c.label.flag({ pairId: await leasedPair(c, role, 1), side: 'left', comment: 'the clip is frozen' }),
  },
  'label.onboarding': { allowed: ['annotator', 'researcher', 'admin'], call: async (c) => c.label.onboarding({ runId: (await matrixRun()).runId }) },
  'label.practice': {
    allowed: ['annotator', 'researcher', 'admin'],
    call: async (c) => {
      const run = await addRun(db, { count: 1, practicePairs: 1, goldChoices: ['left'] });
      return c.label.practice({ runId: run.runId, answers: [{ pairId: run.pairIds[0]!, choice: 'left' }] });
    },
  },
  'runs.updateCampaign': { allowed: ['researcher', 'admin'], call: async (c) => c.runs.updateCampaign({ runId: (await addRun(db, { count: 0 })).runId, name: 'renamed' }) },
  'runs.setAssignments': {
    allowed: ['researcher', 'admin'],
    call: async (c) => c.runs.setAssignments({ runId: (await addRun(db, { count: 0 })).runId, userIds: [(await addUser(db, 'annotator')).id] }),
  },
  'runs.annotators': { allowed: ['researcher', 'admin'], call: async (c) => c.runs.annotators({ runId: (await matrixRun()).runId }) },
  'runs.flags': { allowed: ['researcher', 'admin'], call: async (c) => c.runs.flags({ runId: (await matrixRun()).runId }) },
  'admin.users.setRole': {
    allowed: ['admin'],
    call: async (c) => c.admin.users.setRole({ userId: (await addUser(db, 'annotator')).id, role: 'researcher' }),
  },
  'admin.users.setDisabled': {
    allowed: ['admin'],
    call: async (c) => c.admin.users.setDisabled({ userId: (await addUser(db, 'annotator')).id, disabled: true }),
  },
};

describe('role matrix', () => {
  beforeAll(async () => {
    await addRun(db, { count: 40 });
  });

  const cases = Object.entries(procedures).flatMap(([name, p]) =>
    ROLE_NAMES.map((role) => ({
      name,
      role,
      expected: p.allowed.includes(role) ? 'OK' : role === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN',
      call: p.call,
    })),
  );

  it.each(cases)('$name as $role -> $expected', async ({ role, expected, call }) => {
    expect(await outcome(call(callerFor(db, await userFor(role)), role))).toBe(expected);
  });

  it('checks the role before it reads the input', async () => {
    expect(await outcome(callerFor(db, null).label.submit({ bogus: true } as never))).toBe('UNAUTHORIZED');
    expect(await outcome(callerFor(db, await addUser(db, 'annotator')).admin.users.create({} as never))).toBe('FORBIDDEN');
  });

  it('covers every procedure of the router', async () => {
    const { appRouter } = await import('./root');
    expect(Object.keys(appRouter._def.procedures).sort()).toEqual(Object.keys(procedures).sort());
  });
});

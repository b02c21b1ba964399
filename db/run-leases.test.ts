import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Db } from './client';
import { returnedRow } from './dialect';
import { claimRuns, listRunLeases, releaseLeases, renewLeases, type HeldLease } from './run-leases';
import { checkpoints, pairs, runs } from './schema';
import { addRuns, freshDb, type FreshDb } from '@/tests/helpers/server/fixtures';
import { commitIteration, topUpPairs, type CommitSpec, type PairSpec } from '@/trainer/service/store';

/**
 * Run leases (db/run-leases.ts) on a real database: SQLite by default, PostgreSQL in
 * `npm run test:postgres`. Claim, renew, expire, take over, release, a restart under the same
 * TRAINER_ID, and the commit check that keeps a stale holder from writing an iteration.
 */
let env: FreshDb;
let db: Db;
beforeAll(async () => {
  env = await freshDb('run-leases');
  db = env.db;
});
afterAll(() => env.cleanup());

const T0 = 1_700_000_000_000;
const LEASE_MS = 1_000;
const tokens = (leases: readonly HeldLease[]) => new Map(leases.map((l) => [l.runId, l.token]));
const claim = (holderId: string, runIds: number[], now: number, held: ReadonlyMap<number, number> = new Map()) =>
  claimRuns(db, { holderId, runIds, held, now, leaseMs: LEASE_MS });

const newRuns = (n: number) => addRuns(db, n);

describe('run leases', () => {
  it('a free run is claimed once: token 1, expiring after the lease time; a live lease is not taken by another trainer', async () => {
    const [r1, r2] = await newRuns(2);
    const got = await claim('a', [r1!, r2!], T0);
    expect(got).toEqual([
      { runId: r1, holderId: 'a', token: 1, expiresAt: T0 + LEASE_MS },
      { runId: r2, holderId: 'a', token: 1, expiresAt: T0 + LEASE_MS },
    ]);
    expect(await claim('b', [r1!, r2!], T0 + LEASE_MS - 1)).toEqual([]);
    // Runs a holder already holds are not claimed again.
    expect(await claim('a', [r1!, r2!], T0 + 10, tokens(got))).toEqual([]);
  });

  it('renewal keeps the lease; without it the lease expires, another trainer takes it over (token + 1) and the old holder finds it lost', async () => {
    const [r1, r2] = await newRuns(2);
    const held = tokens(await claim('a', [r1!, r2!], T0));
    // Renewed at T0 + 800: valid until T0 + 1800, so b cannot take it at T0 + 1500.
    expect([...(await renewLeases(db, 'a', held, T0 + 800, LEASE_MS))].sort()).toEqual([r1, r2].sort());
    expect(await claim('b', [r1!, r2!], T0 + 1_500)).toEqual([]);
    // a stops renewing r1 only; at T0 + 1800 it has expired.
    await renewLeases(db, 'a', new Map([[r2!, held.get(r2!)!]]), T0 + 1_700, LEASE_MS);
    const taken = await claim('b', [r1!, r2!], T0 + 1_800);
    expect(taken).toEqual([{ runId: r1, holderId: 'b', token: 2, expiresAt: T0 + 1_800 + LEASE_MS }]);
    expect([...(await renewLeases(db, 'a', held, T0 + 1_900, LEASE_MS))]).toEqual([r2]);
  });

  it('a restarted trainer with the same TRAINER_ID takes its runs back at once (a new token); a clean release frees them for anyone', async () => {
    const [r1] = await newRuns(1);
    const first = await claim('a', [r1!], T0);
    // The same id with nothing held in memory: a new process of trainer 'a' (the old one was killed).
    const again = await claim('a', [r1!], T0 + 10);
    expect(again).toEqual([{ runId: r1, holderId: 'a', token: 2, expiresAt: T0 + 10 + LEASE_MS }]);
    expect([...(await renewLeases(db, 'a', tokens(first), T0 + 20, LEASE_MS))]).toEqual([]);
    await releaseLeases(db, 'a', tokens(again), T0 + 25);
    expect((await listRunLeases(db)).find((l) => l.runId === r1)).toMatchObject({ holderId: null, token: 2 });
    expect(await claim('b', [r1!], T0 + 30)).toEqual([{ runId: r1, holderId: 'b', token: 3, expiresAt: T0 + 30 + LEASE_MS }]);
  });

  it('with a limit (a fair share) a trainer claims that many; the rest only once they have been free for a lease period', async () => {
    const ids = await newRuns(4);
    const first = await claimRuns(db, { holderId: 'a', runIds: ids, held: new Map(), now: T0, leaseMs: LEASE_MS, limit: 2 });
    expect(first.map((l) => l.runId)).toEqual(ids.slice(0, 2));
    const held = tokens(first);
    expect(await claimRuns(db, { holderId: 'a', runIds: ids, held, now: T0 + LEASE_MS - 1, leaseMs: LEASE_MS, limit: 0 })).toEqual([]);
    // Nobody else took the other two within a lease period: a takes them past its share.
    const late = await claimRuns(db, { holderId: 'a', runIds: ids, held, now: T0 + LEASE_MS, leaseMs: LEASE_MS, limit: 0 });
    expect(late.map((l) => l.runId)).toEqual(ids.slice(2));
    // An expired lease of another trainer is taken at once, whatever the limit: its holder stopped renewing.
    const [dead] = await newRuns(1);
    await claim('c', [dead!], T0);
    const takeover = await claimRuns(db, { holderId: 'a', runIds: [...ids, dead!], held: tokens([...first, ...late]), now: T0 + LEASE_MS, leaseMs: LEASE_MS, limit: 0 });
    expect(takeover.map((l) => l.runId)).toEqual([dead]);
  });

  it('a deleted run is skipped, not an error; runs not asked for are left alone', async () => {
    const [r1, r2] = await newRuns(2);
    expect(await claim('a', [r1!, 9_999_999], T0)).toEqual([{ runId: r1, holderId: 'a', token: 1, expiresAt: T0 + LEASE_MS }]);
    expect((await listRunLeases(db)).some((l) => l.runId === r2)).toBe(false);
    await db.delete(runs).where(eq(runs.id, r1!));
    expect((await listRunLeases(db)).some((l) => l.runId === r1)).toBe(false);
  });
});

function commitSpec(runId: number, lease: CommitSpec['lease']): CommitSpec {
  return {
    runId, envId: 'grid5', expectedIteration: 0, advance: true,
    checkpoint: { formatVersion: 1, rewardModel: Buffer.from([1]), policy: Buffer.from([2]), labelWatermark: 0, labelsUsed: 0 },
    metrics: { 'loss/preference': 0.5 }, pairs: [], pendingTarget: 0, labelsWanted: 1, retireStalePairs: false, now: Date.now(), lease,
  };
}

const clip = { seed: 1, states: [{ row: 0, col: 0 }, { row: 0, col: 1 }], actions: [3], logProbs: [-1.4], trueReturn: 0 };
const onePair: PairSpec[] = [{ first: clip, second: { ...clip, seed: 2 }, priority: 0 }];

describe('the commit of an iteration checks the lease in its own transaction', () => {
  it("a stale holder's iteration is refused after a takeover; the new holder's commits, recorded with its id and token", async () => {
    const [runId] = await newRuns(1);
    const now = Date.now();
    const a = (await claim('a', [runId!], now - 2 * LEASE_MS))[0]!; // already expired: a was paused
    const b = (await claim('b', [runId!], now))[0]!;
    expect(b.token).toBe(a.token + 1);
    // a computed iteration 1 from iteration 0, as b is about to: without the lease check its
    // commit would pass (the run is still at iteration 0) and b's would be the one dropped.
    expect(await commitIteration(db, commitSpec(runId!, { holderId: 'a', token: a.token }))).toBeNull();
    expect(await db.select().from(checkpoints).where(eq(checkpoints.runId, runId!))).toEqual([]);
    const run = await returnedRow(db.select({ iteration: runs.iteration }).from(runs).where(eq(runs.id, runId!)));
    expect(run.iteration).toBe(0);

    const committed = await commitIteration(db, commitSpec(runId!, { holderId: 'b', token: b.token }));
    expect(committed?.iteration).toBe(1);
    const [row] = await db.select({ iteration: checkpoints.iteration, committedBy: checkpoints.committedBy, leaseToken: checkpoints.leaseToken })
      .from(checkpoints).where(eq(checkpoints.runId, runId!));
    expect(row).toEqual({ iteration: 1, committedBy: 'b', leaseToken: b.token });
  });

  it('a lease that lapsed but that nobody took over still commits (the token is unchanged); a top-up with a stale token inserts nothing', async () => {
    const [runId] = await newRuns(1);
    const a = (await claim('a', [runId!], Date.now() - 2 * LEASE_MS))[0]!; // expired a lease period ago
    const bootstrapped = await commitIteration(db, { ...commitSpec(runId!, { holderId: 'a', token: a.token }), advance: false });
    expect(bootstrapped?.iteration).toBe(0);
    expect([...(await renewLeases(db, 'a', tokens([a]), Date.now(), LEASE_MS))]).toEqual([runId]);

    const before = (await db.select().from(pairs).where(eq(pairs.runId, runId!))).length;
    const topUp = (token: number) => topUpPairs(db, {
      runId: runId!, envId: 'grid5', checkpointId: bootstrapped!.checkpointId, iteration: 0, pairs: onePair, pendingTarget: before + 1,
      labelsWanted: 1, now: Date.now(), lease: { holderId: 'a', token },
    });
    expect(await topUp(a.token + 1)).toBe(0);
    expect(await topUp(a.token)).toBe(1);
    expect((await db.select().from(pairs).where(eq(pairs.runId, runId!))).length).toBe(before + 1);
  });
});

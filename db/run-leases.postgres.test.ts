import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { closeDb, openPostgres, type Db } from './client';
import { eq } from 'drizzle-orm';
import { claimRuns, leaseStillHeld, type HeldLease } from './run-leases';
import { runs } from './schema';
import { rowLockTx } from './transactions';
import { addRuns, freshDb, type FreshDb } from '@/tests/helpers/server/fixtures';

/**
 * Run leases on a real PostgreSQL server (vitest.postgres.config.ts): the claim's
 * `for update skip locked` with claimers on separate connection pools, as two trainer processes.
 */
let env: FreshDb;
let db: Db;
let other: Db;
beforeAll(async () => {
  env = await freshDb('pg-run-leases');
  db = env.db;
  other = openPostgres(env.env.DATABASE_URL!);
});
afterAll(async () => {
  await closeDb(other);
  await env.cleanup();
});

const LEASE_MS = 60_000;

const newRuns = (n: number) => addRuns(db, n);

describe('claimRuns on PostgreSQL', () => {
  it('skips a lease row another transaction has locked instead of waiting for it', async () => {
    const [locked, free1, free2] = await newRuns(3);
    // Rows for all three, then a transaction (a commit in progress, say) holding run `locked`'s row.
    await claimRuns(db, { holderId: 'setup', runIds: [locked!, free1!, free2!], held: new Map(), now: 0, leaseMs: 1 });
    const client = new pg.Client({ connectionString: env.env.DATABASE_URL });
    await client.connect();
    try {
      await client.query('begin');
      await client.query('select * from run_leases where run_id = $1 for share', [locked]);
      const started = Date.now();
      const got = await claimRuns(other, { holderId: 'b', runIds: [locked!, free1!, free2!], held: new Map(), now: Date.now(), leaseMs: LEASE_MS });
      expect(got.map((l) => l.runId)).toEqual([free1, free2]);
      // Answered while the lock is still held: it did not queue behind it (lock_timeout is off).
      expect(Date.now() - started).toBeLessThan(5_000);
      await client.query('commit');
    } finally {
      await client.end();
    }
    const later = await claimRuns(db, { holderId: 'c', runIds: [locked!], held: new Map(), now: Date.now(), leaseMs: LEASE_MS });
    expect(later.map((l) => l.runId)).toEqual([locked]);
  });

  it('two trainers claiming the same 30 runs at once get disjoint sets that cover them all, each with token 1', async () => {
    for (let round = 0; round < 3; round++) {
      const ids = await newRuns(30);
      const now = Date.now();
      const [a, b] = await Promise.all([
        claimRuns(db, { holderId: 'a', runIds: ids, held: new Map(), now, leaseMs: LEASE_MS }),
        claimRuns(other, { holderId: 'b', runIds: [...ids].reverse(), held: new Map(), now, leaseMs: LEASE_MS }),
      ]);
      const all = [...a, ...b].map((l: HeldLease) => l.runId).sort((x, y) => x - y);
      expect(all).toEqual([...ids].sort((x, y) => x - y));
      expect([...a, ...b].every((l) => l.token === 1)).toBe(true);
    }
  });

  it("a claim that commits after a commit's transaction began is seen by the commit's lease check (READ COMMITTED: each statement sees the latest commits; no retry needed)", async () => {
    const [runId] = await newRuns(1);
    const a = (await claimRuns(db, { holderId: 'a', runIds: [runId!], held: new Map(), now: Date.now() - 2 * LEASE_MS, leaseMs: LEASE_MS }))[0]!;
    const seen: boolean[] = [];
    let attempts = 0;
    // A rowLockTx, as trainer/service/store.ts's commits are (a writeTx would hold the writer lock
    // exclusively, and the claim below, on another connection, would wait for it).
    await rowLockTx(db, async (tx) => {
      // The transaction's first query...
      await tx.select({ id: runs.id }).from(runs).where(eq(runs.id, runId!));
      // ...then b takes the expired lease over and commits, on its own connection (first attempt only).
      if (attempts++ === 0) expect(await claimRuns(other, { holderId: 'b', runIds: [runId!], held: new Map(), now: Date.now(), leaseMs: LEASE_MS })).toHaveLength(1);
      // A transaction-wide snapshot (SERIALIZABLE, REPEATABLE READ) would still show a's token here.
      seen.push(await leaseStillHeld(tx, runId!, { holderId: 'a', token: a.token }));
    });
    expect(seen).toEqual([false]);
    expect(attempts).toBe(1);
  });
});

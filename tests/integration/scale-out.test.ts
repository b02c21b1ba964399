import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { queryRows, returnedRow } from '@/db/dialect';
import { checkpoints, labels, runLeases, runs, trainerHeartbeats } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { addUser, freshDb, type FreshDb } from '@/tests/helpers/server/fixtures';
import { exited, waitFor } from '@/tests/helpers/trainer/service';

/**
 * Issue 12's scale-out check: TWO web processes and TWO trainer processes on ONE database
 * (SQLite here; PostgreSQL in `npm run test:postgres`). Scripted annotators label over real HTTP,
 * alternating between the web processes (and re-sending some submissions to the other one, as a
 * client retrying after a lost response would); the trainers split the runs by run lease
 * (db/run-leases.ts); one trainer is killed with SIGKILL and the other takes its runs over.
 * Then: no label lost or duplicated, no pair over its overlap, and per run iterations 0..k
 * committed by one holder per lease token, tokens never going back (no two trainers iterated a
 * run at once), the killed trainer's runs taken over within the lease expiry.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const LEASE_MS = 2_000;
const POLL_MS = 50;
const RUNS = 4;
const ANNOTATORS = 4;
const PACE_MS = 40;

const children: ChildProcess[] = [];
let env: FreshDb | undefined;
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await env?.cleanup();
  env = undefined;
});

interface Child {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first stdout line matching `pattern`. */
  line: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
}

function spawnChild(script: string, extraEnv: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_PATH: undefined, DATABASE_URL: undefined, NEXTAUTH_SECRET: 'scale-out-test-secret-0123456789', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  const collect = (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const line = async (pattern: RegExp, timeoutMs = 60_000) => {
    await waitFor(`${script}: ${pattern}`, () => {
      if (child.exitCode !== null) throw new Error(`${script} exited ${child.exitCode}: ${lines.slice(-20).join('\n')}`);
      return lines.some((l) => pattern.test(l));
    }, timeoutMs);
    return lines.find((l) => pattern.test(l))!;
  };
  return { child, lines, line };
}

function startTrainer(database: Record<string, string>, trainerId: string): Child {
  return spawnChild('scripts/trainer.ts', {
    ...database, TRAINER_ID: trainerId, TRAINER_LEASE_MS: String(LEASE_MS), TRAINER_POLL_MS: String(POLL_MS),
    TRAINER_SIMULATE: '0', TRAINER_WORKERS: '0', TRAINER_ENGINES: 'tabular',
  });
}

/** One tRPC mutation over HTTP on a web process, as the given user. */
async function mutate<T>(baseUrl: string, procedure: string, session: string, input: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}/api/trpc/${procedure}`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-fuzz-session': session }, body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!res.ok || !body.result) throw new Error(`${procedure} on ${baseUrl}: HTTP ${res.status} ${JSON.stringify(body.error)}`);
  return body.result.data;
}

interface Acknowledged {
  submissionId: string;
  labelId: number;
  pairId: number;
}

/** A scripted annotator until `stop()`: label.next / label.submit alternating between the web processes, a retry of every fifth submit on the other one. */
function annotator(webs: readonly string[], session: string, runIds: readonly number[], seed: number) {
  const acknowledged: Acknowledged[] = [];
  let retriedSame = 0;
  let stopping = false;
  let turn = seed;
  const loop = (async () => {
    while (!stopping) {
      const runId = runIds[turn % runIds.length]!;
      const web = webs[turn++ % webs.length]!;
      const { pair } = await mutate<{ pair: { id: number } | null }>(web, 'label.next', session, { runId });
      if (!pair) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const now = Date.now();
      const input = { submissionId: randomUUID(), pairId: pair.id, choice: turn % 3 === 0 ? 'right' : 'left', shownAt: now - 5, answeredAt: now };
      const result = await mutate<{ labelId: number }>(web, 'label.submit', session, input);
      acknowledged.push({ submissionId: input.submissionId, labelId: result.labelId, pairId: pair.id });
      // A moment per pair, as a page showing it would (people take seconds): four annotators at
      // full speed kept PostgreSQL's SERIALIZABLE commits of an iteration failing (see the README).
      await new Promise((r) => setTimeout(r, PACE_MS));
      if (turn % 5 === 0) {
        const again = await mutate<{ labelId: number; duplicate: boolean }>(webs[turn % webs.length]!, 'label.submit', session, input);
        if (again.labelId === result.labelId && again.duplicate) retriedSame++;
      }
    }
  })();
  return {
    acknowledged,
    retriedSame: () => retriedSame,
    stop: async () => {
      stopping = true;
      await loop;
    },
  };
}

async function iterations(db: Db): Promise<Map<number, number>> {
  return new Map((await db.select({ id: runs.id, k: runs.iteration }).from(runs)).map((r) => [r.id, r.k]));
}

describe('two web processes and two trainer processes on one database', () => {
  it('no label lost or duplicated, no run iterated by two trainers at once, a SIGKILLed trainer\'s runs taken over within the lease expiry', async () => {
    env = await freshDb('scale-out');
    const { db } = env;
    const users = await Promise.all(Array.from({ length: ANNOTATORS }, () => addUser(db, 'annotator')));

    const webChildren = [spawnChild('tests/helpers/server/web-process.ts', env.env), spawnChild('tests/helpers/server/web-process.ts', env.env)];
    const trainers = { t1: startTrainer(env.env, 't1'), t2: startTrainer(env.env, 't2') };
    const webs = await Promise.all(webChildren.map(async (w) => (await w.line(/^ready /)).slice('ready '.length)));
    await Promise.all(Object.values(trainers).map((t) => t.line(/trainer: ready/)));
    // Both trainers beating before the runs exist: each claims its fair share (two runs).
    await waitFor('two heartbeats', async () => (await db.select().from(trainerHeartbeats)).length === 2, 30_000);

    const runIds = await writeTx(db, async (tx) => {
      const ids: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        ids.push((await returnedRow(tx.insert(runs).values({
          name: `scale-out ${i}`, envId: 'grid5', algorithm: 'sobirl', instructions: 'Reach the goal.', labelBatchSize: 4,
          config: { seed: 20 + i, iterationTimeoutMs: 400 },
        }).returning({ id: runs.id }))).id);
      }
      return ids;
    });
    await waitFor('every run bootstrapped', async () => (await db.select().from(checkpoints)).length >= RUNS, 30_000);

    const annotators = users.map((u, i) => annotator(webs, `${u.id}:0`, runIds, i));
    await waitFor('two iterations of every run', async () => [...(await iterations(db)).values()].every((k) => k >= 2), 60_000).catch((error: Error) => {
      const tail = (name: string, c: Child) => `--- ${name}\n${c.lines.filter((l) => !l.startsWith('    at ')).slice(-12).join('\n')}`;
      throw new Error(`${error.message}\n${tail('t1', trainers.t1)}\n${tail('t2', trainers.t2)}\n${tail('web 1', webChildren[0]!)}`);
    });

    // Kill the trainer holding the first run, at an arbitrary moment of its work.
    const leases = await db.select().from(runLeases);
    const victim = leases.find((l) => l.runId === runIds[0])!.holderId as 't1' | 't2';
    const survivor = victim === 't1' ? 't2' : 't1';
    const victimRuns = leases.filter((l) => l.holderId === victim).map((l) => l.runId);
    expect(leases.filter((l) => l.holderId === survivor).length).toBeGreaterThan(0); // the runs were split
    const killedAt = Date.now();
    trainers[victim].child.kill('SIGKILL');
    expect((await exited(trainers[victim].child)).signal).toBe('SIGKILL');
    const atKill = await iterations(db);

    await waitFor('the survivor iterates the killed trainer\'s runs', async () => {
      const rows = await db.select({ runId: checkpoints.runId, iteration: checkpoints.iteration, by: checkpoints.committedBy }).from(checkpoints);
      return victimRuns.every((runId) => rows.some((r) => r.runId === runId && r.by === survivor && r.iteration > atKill.get(runId)!));
    }, 60_000);
    for (const a of annotators) await a.stop();
    trainers[survivor].child.kill('SIGTERM');
    expect((await exited(trainers[survivor].child)).code).toBe(0);
    for (const w of webChildren) w.child.kill('SIGTERM');
    for (const w of webChildren) expect((await exited(w.child)).code, w.lines.join('\n')).toBe(0);

    // The takeover: claimed by the survivor within the lease time (plus a pass, and a loaded machine's slack).
    const taken = await db.select().from(runLeases);
    for (const runId of victimRuns) {
      const lease = taken.find((l) => l.runId === runId)!;
      expect(lease.claimedAt! - killedAt, `run ${runId} taken over after ${lease.claimedAt! - killedAt} ms`).toBeLessThan(LEASE_MS + 1_000);
    }
    console.log(`scale-out: runs ${victimRuns.join(', ')} of ${victim} taken over by ${survivor} after ${victimRuns.map((r) => taken.find((l) => l.runId === r)!.claimedAt! - killedAt).join(', ')} ms (lease ${LEASE_MS} ms)`);

    // Labels: every acknowledged submission is there once, with the id it was answered with; nothing else.
    const acknowledged = annotators.flatMap((a) => a.acknowledged);
    expect(acknowledged.length).toBeGreaterThan(RUNS * 2);
    expect(annotators.reduce((n, a) => n + a.retriedSame(), 0)).toBeGreaterThan(0);
    const rows = await db.select({ id: labels.id, submissionId: labels.submissionId }).from(labels);
    expect(rows.length).toBe(acknowledged.length);
    const byId = new Map(rows.map((r) => [r.id, r.submissionId]));
    for (const a of acknowledged) expect(byId.get(a.labelId)).toBe(a.submissionId);
    // Overlap 1: no pair labeled twice, whichever web process leased it.
    const doubled = await queryRows<{ n: number }>(db, sql`select count(*) as n from (select pair_id from labels group by pair_id having count(*) > 1) d`);
    expect(doubled[0]!.n).toBe(0);

    // Iterations: 0..k without a gap or repeat; one holder per lease token; tokens never go back.
    const holders = new Set<string>();
    for (const runId of runIds) {
      const cps = await db.select({ iteration: checkpoints.iteration, by: checkpoints.committedBy, token: checkpoints.leaseToken })
        .from(checkpoints).where(eq(checkpoints.runId, runId)).orderBy(asc(checkpoints.iteration));
      expect(cps.map((c) => c.iteration)).toEqual(cps.map((_, i) => i));
      const ownerOfToken = new Map<number, string>();
      let lastToken = 0;
      for (const c of cps) {
        expect(c.by).not.toBeNull();
        holders.add(c.by!);
        expect(c.token!).toBeGreaterThanOrEqual(lastToken);
        lastToken = c.token!;
        expect(ownerOfToken.get(c.token!) ?? c.by).toBe(c.by);
        ownerOfToken.set(c.token!, c.by!);
      }
      const run = await returnedRow(db.select({ k: runs.iteration }).from(runs).where(eq(runs.id, runId)));
      expect(run.k).toBe(cps.at(-1)!.iteration);
    }
    expect([...holders].sort()).toEqual(['t1', 't2']);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { checkpoints, labels, pairs, runs } from '@/db/schema';
import { writeTx } from '@/db/transactions';
import { addUser, callerFor, freshDb } from '@/server/testing/fixtures';
import { makeRng, type Rng } from '../core/rng';
import { makeTeacher } from '../teachers';
import { clipToSegment } from './simulated-annotators';
import { TrainerService } from './trainer-service';

const root = path.resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.length = 0;
  while (cleanups.length) cleanups.pop()!();
});

async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The service as its own process, as `npm start` runs it; its output lines are collected.
 * `node --import tsx` rather than the tsx CLI: the CLI is a second process that relays signals
 * and turns a slow SIGTERM handshake (30 ms, easily missed on a loaded machine) into a SIGKILL.
 */
function spawnService(file: string, holdMs: number): { child: ChildProcess; lines: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'trainer/service.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_PATH: file, TRAINER_POLL_MS: '20', TRAINER_SIMULATE: '0', TRAINER_HOLD_BEFORE_COMMIT_MS: String(holdMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  const collect = (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return { child, lines };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** This test process is the annotator: `n` labels through label.next / label.submit. */
async function annotate(db: Db, caller: ReturnType<typeof callerFor>, runId: number, n: number, rng: Rng, submitted: number[]): Promise<void> {
  const teacher = makeTeacher({ beta: 5 });
  for (let done = 0; done < n; ) {
    const { pair } = await caller.label.next({ runId });
    if (!pair) {
      await new Promise((r) => setTimeout(r, 25));
      continue;
    }
    const answer = teacher.label(clipToSegment(pair.left), clipToSegment(pair.right), rng);
    const choice = answer.kind === 'skip' ? 'cant_tell' : answer.y === 1 ? 'left' : answer.y === 0 ? 'right' : 'equal';
    const now = Date.now();
    const result = await caller.label.submit({ submissionId: randomUUID(), pairId: pair.id, choice, shownAt: now, answeredAt: now });
    submitted.push(result.labelId);
    done++;
  }
}

const count = (db: Db, table: typeof labels | typeof pairs | typeof checkpoints) => db.select({ n: sql<number>`count(*)` }).from(table).get()!.n;
const iterationOf = (db: Db, runId: number) => db.select({ k: runs.iteration }).from(runs).where(eq(runs.id, runId)).get()!.k;

function newRun(db: Db, config: Record<string, unknown> = {}): number {
  return writeTx(db, (tx) =>
    tx.insert(runs).values({
      name: 'fault run', envId: 'grid5', algorithm: 'sobirl', instructions: 'Reach the green corner.', labelBatchSize: 8,
      config: { seed: 5, iterationTimeoutMs: 300, ...config },
    }).returning({ id: runs.id }).get().id,
  );
}

describe('crash safety', () => {
  it('SIGKILL mid-iteration, restart: the run resumes, every label is kept and consumed, no pair is duplicated', async () => {
    const { db, file, cleanup } = freshDb('h7-fault');
    cleanups.push(cleanup);
    const runId = newRun(db);
    const caller = callerFor(db, addUser(db, 'annotator'));
    const rng = makeRng(11);
    const submitted: number[] = [];

    // 1. The first service computes iteration 1 and is killed before its commit.
    const first = spawnService(file, 3_000);
    await waitFor('the first checkpoint', () => count(db, checkpoints) === 1);
    await annotate(db, caller, runId, 8, rng, submitted);
    await waitFor('iteration 1 computed', () => first.lines.some((l) => /k=1 computed/.test(l)));
    first.child.kill('SIGKILL');
    expect((await exited(first.child)).signal).toBe('SIGKILL');
    expect(iterationOf(db, runId)).toBe(0); // nothing of the killed iteration was committed
    expect(count(db, checkpoints)).toBe(1);

    // 2. A restarted service redoes it; more labels arrive meanwhile; killed again at an arbitrary moment.
    const second = spawnService(file, 200);
    await annotate(db, caller, runId, 8, rng, submitted);
    await waitFor('iteration 1 committed after the restart', () => iterationOf(db, runId) >= 1);
    await annotate(db, caller, runId, 8, rng, submitted);
    second.child.kill('SIGKILL');
    await exited(second.child);

    // 3. A third one finishes the work and stops cleanly on SIGTERM.
    const third = spawnService(file, 0);
    await annotate(db, caller, runId, 5, rng, submitted);
    const lastLabel = Math.max(...submitted);
    await waitFor('every label consumed', () => {
      const newest = db.select().from(checkpoints).where(eq(checkpoints.runId, runId)).orderBy(sql`${checkpoints.iteration} desc`).get();
      return (newest?.labelWatermark ?? 0) >= lastLabel;
    });
    third.child.kill('SIGTERM');
    expect((await exited(third.child)).code).toBe(0);
    expect(third.lines.some((l) => l.includes('trainer: stopped'))).toBe(true);

    // Every label is still there, once; the newest checkpoint used all of them.
    expect(count(db, labels)).toBe(submitted.length);
    const live = db.select({ n: sql<number>`count(*)` }).from(labels).where(and(isNotNull(labels.y), sql`${labels.undoneAt} is null`)).get()!.n;
    const cps = db.select().from(checkpoints).where(eq(checkpoints.runId, runId)).orderBy(checkpoints.iteration).all();
    expect(cps.map((c) => c.iteration)).toEqual(cps.map((_, i) => i)); // 0..k, no gap, no repeat
    expect(cps.at(-1)!.labelsUsed).toBe(live);
    expect(iterationOf(db, runId)).toBe(cps.at(-1)!.iteration);
    expect(iterationOf(db, runId)).toBeGreaterThanOrEqual(2);
    // No pair twice: (iteration, slot) unique, and no two pairs of a run share a clip.
    const dupSlots = db.all<{ n: number }>(sql`select count(*) as n from (select 1 from pairs where run_id = ${runId}
      group by iteration, slot having count(*) > 1 and iteration is not null)`)[0]!.n;
    const dupClips = db.all<{ n: number }>(sql`select count(*) as n from (select c from (select clip_a_id as c from pairs
      union all select clip_b_id from pairs) group by c having count(*) > 1)`)[0]!.n;
    expect(dupSlots).toBe(0);
    expect(dupClips).toBe(0);
  });

  it('a checkpoint that fails to load is reported on the run and the previous one is used', async () => {
    const { db, cleanup } = freshDb('h7-corrupt');
    cleanups.push(cleanup);
    const runId = newRun(db, { iterationTimeoutMs: 0 });
    const caller = callerFor(db, addUser(db, 'annotator'));
    const rng = makeRng(12);
    const submitted: number[] = [];
    const lines: string[] = [];
    const service = new TrainerService({ db, log: (l) => lines.push(l), simulate: false });
    await service.runOnce();
    await annotate(db, caller, runId, 8, rng, submitted);
    expect((await service.runOnce()).get(runId)).toBe('iterated');
    const newest = db.select().from(checkpoints).where(and(eq(checkpoints.runId, runId), eq(checkpoints.iteration, 1))).get()!;
    // Flip one byte of the stored reward model: the checksum must catch it.
    const damaged = Buffer.from(newest.rewardModel!);
    damaged[damaged.length - 3] = damaged[damaged.length - 3]! ^ 0xff;
    writeTx(db, (tx) => tx.update(checkpoints).set({ rewardModel: damaged }).where(eq(checkpoints.id, newest.id)).run());

    // A restarted service (no learner in memory) must fall back to iteration 0's checkpoint.
    const restarted = new TrainerService({ db, log: (l) => lines.push(l), simulate: false });
    await annotate(db, caller, runId, 4, rng, submitted);
    expect((await restarted.runOnce()).get(runId)).toBe('iterated');
    const run = db.select().from(runs).where(eq(runs.id, runId)).get()!;
    expect(run.lastError).toMatch(new RegExp(`checkpoint ${newest.id} \\(iteration 1\\) of run ${runId}: reward model: checksum mismatch`));
    expect(run.iteration).toBe(2);
    // Resumed from iteration 0, whose watermark was 0: all 12 labels are used, none twice.
    const second = db.select().from(checkpoints).where(and(eq(checkpoints.runId, runId), eq(checkpoints.iteration, 2))).get()!;
    expect(second.labelsUsed).toBe(12);
    expect(second.labelWatermark).toBe(Math.max(...submitted));
  });
});

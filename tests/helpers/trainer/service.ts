/**
 * Test support for the trainer service's tests (not a test file): the service as its own
 * process, waiting on a condition, and a scripted annotator that answers through the same
 * label.next / label.submit path people use.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import type { callerFor } from '../server/fixtures';
import type { Rng } from '../../../trainer/core/rng';
import { makeTeacher, type TeacherConfig } from '../../../trainer/teachers';
import { clipToSegment } from '../../../trainer/service/simulated-annotators';
import { queryRows } from '../../../db/dialect';

const root = path.resolve(import.meta.dirname, '../../..');

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Spawned service processes, to SIGKILL in afterEach whatever a test left running. */
export const serviceProcesses: ChildProcess[] = [];

export function killServiceProcesses(): void {
  for (const child of serviceProcesses) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  serviceProcesses.length = 0;
}

/**
 * The service as its own process, as `npm start` runs it; its output lines are collected.
 * `node --import tsx` rather than the tsx CLI: the CLI is a second process that relays signals
 * and turns a slow SIGTERM handshake (30 ms, easily missed on a loaded machine) into a SIGKILL.
 */
export function spawnService(database: Record<string, string>, holdMs: number): { child: ChildProcess; lines: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/trainer.ts'], {
    cwd: root,
    // `database`: the test's DATABASE_PATH or DATABASE_URL (fixtures.ts FreshDb.env).
    env: { ...process.env, DATABASE_PATH: undefined, DATABASE_URL: undefined, ...database, TRAINER_POLL_MS: '20', TRAINER_SIMULATE: '0', TRAINER_HOLD_BEFORE_COMMIT_MS: String(holdMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serviceProcesses.push(child);
  const lines: string[] = [];
  const collect = (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return { child, lines };
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * The test process as an annotator: `n` labels through label.next / label.submit from a scripted
 * teacher (waiting while the queue is empty); the new label ids are appended to `submitted`.
 */
export async function annotate(
  caller: ReturnType<typeof callerFor>, runId: number, n: number, rng: Rng, submitted: number[], teacherConfig: Partial<TeacherConfig>,
): Promise<void> {
  const teacher = makeTeacher(teacherConfig);
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

/** Pairs of a run sharing an (iteration, slot), and clips used by two pairs: both must be 0. */
export async function duplicatePairCounts(db: Db, runId: number): Promise<{ slots: number; clips: number }> {
  const slots = (await queryRows<{ n: number }>(db, sql`select count(*) as n from (select 1 from pairs where run_id = ${runId}
    group by iteration, slot having count(*) > 1 and iteration is not null) dup`))[0]!.n;
  const clips = (await queryRows<{ n: number }>(db, sql`select count(*) as n from (select c from (select clip_a_id as c from pairs
    union all select clip_b_id from pairs) sides group by c having count(*) > 1) dup`))[0]!.n;
  return { slots, clips };
}

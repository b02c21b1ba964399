/**
 * `npm run bench:workers [-- --runs 2 --modes 1,2 --repeats 2 --steps N --updates N --env cartpole]`
 *
 * Two (`--runs`) neural runs iterating at once, with the trainer service's drivers on 1 worker
 * thread and on 2 (`--modes`; 0 = the service's own thread, the pre-worker layout), side by
 * side in one process: the modes alternate (1, 2, 1, 2, ...) so a change of the machine's load
 * hits both alike. Each measurement is one pass of the service (TrainerService.runOnce) in which
 * every run takes one outer iteration on the same labels (a fresh throwaway SQLite file, the
 * first checkpoints made and each run given one batch of a scripted teacher's labels through
 * label.next / label.submit before the clock starts; worker start-up and tfjs init excluded).
 * Prints per pass its wall time and the cores it got (CPU time of the process / wall time), the
 * medians per mode, and the speed-up of each mode over the first one.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { openDb, closeDb, type Db } from '../db/client';
import { returnedRow } from '../db/dialect';
import { migrateDb } from '../db/migrate';
import { runs } from '../db/schema';
import { writeTx } from '../db/transactions';
import { hashPassword, insertUser } from '../db/users';
import { makeRng } from '../trainer/core/rng';
import { rlhfDefaults } from '../trainer/envs/rlhf-defaults';
import { makeTeacher } from '../trainer/teachers';
import { clipToSegment } from '../trainer/service/simulated-annotators';
import { TrainerService } from '../trainer/service/trainer-service';
import { serverLabelQueue } from './trainer-port';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const runCount = Number(flag('runs', '2'));
const modes = flag('modes', '1,2').split(',').map(Number);
const repeats = Number(flag('repeats', '2'));
const envId = flag('env', 'cartpole');
const batch = Number(flag('batch', '16'));
const steps = flag('steps', '');
const updates = flag('updates', '');

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function label(db: Db, runId: number, seed: number, log: (line: string) => void): Promise<void> {
  const user = await writeTx(db, (tx) => insertUser(tx, {
    email: `bench-${runId}-${seed}@bench.invalid`, name: 'bench', role: 'annotator', passwordHash: hashPassword(randomBytes(8).toString('hex'), 4),
  }));
  const caller = (await serverLabelQueue.connect(db, log)).callerFor(user);
  const teacher = makeTeacher({ beta: rlhfDefaults(envId).beta });
  const rng = makeRng(seed);
  for (let done = 0; done < batch; done++) {
    const { pair } = await caller.label.next({ runId });
    if (!pair) throw new Error(`run ${runId}: the queue ran empty after ${done} labels`);
    const answer = teacher.label(clipToSegment(pair.left), clipToSegment(pair.right), rng);
    const choice = answer.kind === 'skip' ? 'cant_tell' : answer.y === 1 ? 'left' : answer.y === 0 ? 'right' : 'equal';
    await caller.label.submit({ submissionId: randomUUID(), pairId: pair.id, choice, shownAt: Date.now() - 1000, answeredAt: Date.now() });
  }
}

/**
 * One pass in which every run iterates, with the drivers on `workers` threads: its wall-clock
 * seconds, and the CPU seconds of this whole process (every thread) over the same span. Their
 * ratio is the cores the pass actually got: up to 1 on one thread, up to the worker count on a
 * machine with cores to spare (on a loaded one, what the scheduler gave).
 */
async function measure(workers: number, repeat: number): Promise<{ seconds: number; cores: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-workers-'));
  const db = openDb(path.join(dir, 'bench.sqlite'));
  await migrateDb(db);
  const quiet = () => {};
  const neural = { ...(steps ? { envStepsPerIter: Number(steps) } : {}), ...(updates ? { updatesPerIter: Number(updates) } : {}) };
  const ids: number[] = [];
  for (let i = 0; i < runCount; i++) {
    ids.push((await writeTx(db, (tx) => returnedRow(tx.insert(runs).values({
      name: `bench ${i}`, envId, algorithm: 'sobirl', instructions: 'benchmark', labelBatchSize: batch,
      config: { seed: 1 + i, iterationTimeoutMs: 3_600_000, ...(Object.keys(neural).length > 0 ? { neural } : {}) },
    }).returning({ id: runs.id })))).id);
  }
  const service = new TrainerService({ db, simulate: false, log: quiet, workers });
  try {
    const first = await service.runOnce();
    for (const id of ids) if (first.get(id) !== 'bootstrapped') throw new Error(`run ${id}: ${first.get(id)} instead of its first checkpoint`);
    for (const id of ids) await label(db, id, 100 * repeat + id, quiet);
    const start = performance.now(), cpu0 = process.cpuUsage();
    const pass = await service.runOnce();
    const seconds = (performance.now() - start) / 1000, cpu = process.cpuUsage(cpu0);
    for (const id of ids) if (pass.get(id) !== 'iterated') throw new Error(`run ${id}: ${pass.get(id)} instead of an iteration`);
    return { seconds, cores: (cpu.user + cpu.system) / 1e6 / seconds };
  } finally {
    await service.stop();
    await closeDb(db);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const name = (workers: number) => (workers === 0 ? 'service thread' : `${workers} worker${workers > 1 ? 's' : ''}`);

async function main(): Promise<void> {
  console.log(`bench:workers ${runCount} ${envId} runs iterating at once (sobirl, batch ${batch}${steps ? `, ${steps} env steps` : ''}${updates ? `, ${updates} Q updates` : ''}); `
    + `modes ${modes.map(name).join(' | ')}, alternating, ${repeats} each; ${os.availableParallelism()} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const times = new Map<number, number[]>(modes.map((m) => [m, []]));
  const cores = new Map<number, number[]>(modes.map((m) => [m, []]));
  for (let r = 0; r < repeats; r++) {
    for (const workers of modes) {
      const pass = await measure(workers, r);
      times.get(workers)!.push(pass.seconds);
      cores.get(workers)!.push(pass.cores);
      console.log(`  ${name(workers).padEnd(14)} pass of ${runCount} iterations: ${pass.seconds.toFixed(2)} s, ${pass.cores.toFixed(2)} cores (load ${os.loadavg()[0]!.toFixed(1)})`);
    }
  }
  const base = median(times.get(modes[0]!)!);
  const summary = modes.map((m) => ({
    mode: name(m), seconds: times.get(m)!, cores: cores.get(m)!, median: median(times.get(m)!), medianCores: median(cores.get(m)!), speedup: base / median(times.get(m)!),
  }));
  for (const row of summary) console.log(`${row.mode.padEnd(14)} median ${row.median.toFixed(2)} s, ${row.medianCores.toFixed(2)} cores  x${row.speedup.toFixed(2)} vs ${name(modes[0]!)}`);
  console.log(JSON.stringify({ runs: runCount, env: envId, load: os.loadavg(), summary }));
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});

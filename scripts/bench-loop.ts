/**
 * `npm run bench:loop [-- --seconds 90 --annotators 20 --rate 1 --env cartpole --batch 16
 *                        --steps 2000 --updates 1500 --algo sobirl]`
 *
 * The closed loop under load, on a throwaway SQLite file. As in production (`npm start`), the
 * trainer service runs in its OWN process (`node --import tsx scripts/trainer.ts`, wasm backend):
 * its tfjs compute blocks its event loop for seconds per iteration, and annotators must not
 * pause with it. This process plays the annotators: N scripted teachers (SimulatedAnnotators,
 * through label.next / label.submit) answering at `rate` labels/s each. Reports
 *   - label-to-new-clips latency, per label: from its submission to the commit of the first
 *     checkpoint that consumed it (whose transaction also queued that checkpoint's new pairs);
 *   - the pending-queue depth over time (pending pairs nobody holds a lease on: what the next
 *     annotator can get), sampled every 250 ms, and every moment it ran empty.
 * `--steps` / `--updates` override the neural schedule (env steps and Q updates per iteration;
 * default: DEFAULT_NEURAL_RUN, what `simulate` measures). `--env grid5` runs the tabular engine.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { closeDb, openDb } from '../db/client';
import { migrateDb } from '../db/migrate';
import { checkpoints, labels, metrics, pairs, runs } from '../db/schema';
import { writeTx } from '../db/transactions';
import { rlhfDefaults } from '../trainer/envs/rlhf-defaults';
import { SimulatedAnnotators } from '../trainer/service/simulated-annotators';
import { serverLabelQueue } from './trainer-port';
import { firstRow, returnedRow } from '../db/dialect';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const seconds = Number(flag('seconds', '90'));
const annotators = Number(flag('annotators', '20'));
const rate = Number(flag('rate', '1'));
const envId = flag('env', 'cartpole');
const batch = Number(flag('batch', '16'));
const algorithm = flag('algo', 'sobirl');
const steps = flag('steps', '');
const updates = flag('updates', '');
const root = path.resolve(import.meta.dirname, '..');

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-loop-'));
  const file = path.join(dir, 'bench.sqlite');
  const db = openDb(file);
  await migrateDb(db);
  const neural = { ...(steps ? { envStepsPerIter: Number(steps) } : {}), ...(updates ? { updatesPerIter: Number(updates) } : {}) };
  const runId = await writeTx(db, async (tx) =>
    (await returnedRow(tx.insert(runs).values({
      name: `bench ${envId}`, envId, algorithm, instructions: 'benchmark', labelBatchSize: batch,
      config: { seed: 1, ...(Object.keys(neural).length > 0 ? { neural } : {}) },
    }).returning({ id: runs.id }))).id,
  );

  const serviceLines: string[] = [];
  const service = spawn(process.execPath, ['--import', 'tsx', 'scripts/trainer.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_PATH: file, TRAINER_POLL_MS: '50', TRAINER_SIMULATE: '0', TF_BACKEND: process.env.TF_BACKEND ?? 'wasm' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => serviceLines.push(...chunk.toString().split('\n').filter(Boolean));
  service.stdout.on('data', collect);
  service.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => service.once('exit', (code) => resolve(code)));
  // Never leave the service behind, whatever happens here.
  process.once('exit', () => {
    if (service.exitCode === null && service.signalCode === null) service.kill('SIGKILL');
  });

  console.log(`bench:loop env=${envId} algo=${algorithm} annotators=${annotators} rate=${rate}/s each batch=${batch} for ${seconds} s; trainer service in its own process (pid ${service.pid})`);
  const sim = new SimulatedAnnotators(db, runId, { teacher: { beta: rlhfDefaults(envId).beta }, judgement: 'true-reward', annotators, labelsPerSecond: rate }, 1, (line) => console.log(`annotators: ${line}`), serverLabelQueue);

  // Available = pending, not gold, no live lease: what label.next can hand out right now.
  const available = async () => (await firstRow(db.select({ n: sql<number>`count(*)` }).from(pairs)
    .where(and(eq(pairs.runId, runId), eq(pairs.status, 'pending'), isNull(pairs.goldChoice),
      sql`not exists (select 1 from leases where leases.pair_id = ${pairs.id} and leases.expires_at > ${Date.now()})`))))!.n;
  const labelCount = async () => (await firstRow(db.select({ n: sql<number>`count(*)` }).from(labels)))!.n;
  const iterationOf = async () => (await firstRow(db.select({ k: runs.iteration }).from(runs).where(eq(runs.id, runId))))!.k;

  // The clock starts at the first checkpoint (service start-up and tfjs init excluded).
  const bootStart = Date.now();
  while ((await firstRow(db.select({ id: checkpoints.id }).from(checkpoints).where(eq(checkpoints.runId, runId)))) === undefined) {
    if (Date.now() - bootStart > 120_000 || service.exitCode !== null) throw new Error(`the service produced no first checkpoint:\n${serviceLines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`first checkpoint after ${((Date.now() - bootStart) / 1000).toFixed(1)} s (service start, tfjs init, first env steps)`);
  await sim.start();
  console.log('   t(s)  available  labels  iteration');
  const samples: Array<{ t: number; depth: number }> = [];
  const emptyAt: number[] = [];
  const started = Date.now();
  for (let tick = 1; tick <= seconds * 4; tick++) {
    await new Promise((r) => setTimeout(r, Math.max(0, started + tick * 250 - Date.now())));
    const t = (Date.now() - started) / 1000;
    const depth = await available();
    samples.push({ t, depth });
    if (depth === 0) emptyAt.push(t);
    if (tick % 20 === 0 || tick === 4) console.log(`${t.toFixed(0).padStart(7)}  ${String(depth).padStart(9)}  ${String(await labelCount()).padStart(6)}  ${String(await iterationOf()).padStart(9)}`);
  }
  await sim.stop();
  service.kill('SIGTERM');
  const code = await exited;

  // Per label: the first checkpoint whose watermark covers it; its commit queued the new clips.
  const cps = await db.select({ iteration: checkpoints.iteration, watermark: checkpoints.labelWatermark, at: checkpoints.createdAt })
    .from(checkpoints).where(eq(checkpoints.runId, runId)).orderBy(asc(checkpoints.iteration));
  const labelRows = await db.select({ id: labels.id, at: labels.createdAt }).from(labels).orderBy(asc(labels.id));
  const latencies: number[] = [];
  let unconsumed = 0;
  for (const label of labelRows) {
    const cp = cps.find((c) => c.watermark >= label.id);
    if (cp) latencies.push(cp.at - label.at);
    else unconsumed++;
  }
  latencies.sort((a, b) => a - b);
  const depths = samples.map((s) => s.depth).sort((a, b) => a - b);
  const iterationLines = serviceLines.filter((l) => /trainer run=\d+ k=\d+ loss=/.test(l));
  const iterationSeconds = iterationLines.map((l) => Number(/seconds=([\d.]+)/.exec(l)?.[1])).filter(Number.isFinite).sort((a, b) => a - b);
  for (const line of iterationLines.slice(0, 3).concat(iterationLines.length > 3 ? ['...', iterationLines.at(-1)!] : [])) console.log(`service: ${line.replace(/^\S+Z /, '')}`);
  for (const note of serviceLines.filter((l) => /error|cannot train|router did not load/.test(l)).slice(0, 3)) console.log(`note: ${note}`);
  // Where an iteration's time goes (neural runs): the learner vs query selection (ensemble fit + cut + score).
  const metricMedian = async (name: string) => {
    const values = (await db.select({ v: metrics.value }).from(metrics).where(and(eq(metrics.runId, runId), eq(metrics.name, name)))).map((r) => r.v).sort((a, b) => a - b);
    return values.length > 0 ? Number(percentile(values, 0.5).toFixed(3)) : null;
  };
  const summary = {
    env: envId, algorithm, annotators, ratePerAnnotator: rate, seconds, labelBatchSize: batch,
    iterations: cps.length - 1,
    labels: labelRows.length,
    labelsPerSecond: Number((labelRows.length / seconds).toFixed(2)),
    iterationSeconds: { median: percentile(iterationSeconds, 0.5), max: iterationSeconds.at(-1) ?? Number.NaN, learnerMedian: await metricMedian('time/learner_s'), queryMedian: await metricMedian('time/query_s') },
    freshLabelsPerIteration: await metricMedian('labels/fresh'),
    trueReturnLast: (await firstRow(db.select({ v: metrics.value }).from(metrics).where(and(eq(metrics.runId, runId), eq(metrics.name, 'return/true'))).orderBy(sql`${metrics.iteration} desc`)))?.v ?? null,
    labelToNewClipsMs: { median: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), max: latencies.at(-1) ?? Number.NaN, labelsNotYetConsumed: unconsumed },
    availablePairs: { min: depths[0] ?? 0, median: percentile(depths, 0.5), max: depths.at(-1) ?? 0 },
    queueEmpty: { samples: emptyAt.length, ofSamples: samples.length, seconds: emptyAt.length / 4 },
    serviceExit: code,
  };
  if (emptyAt.length === 0) console.log('queue: never ran empty (every 250 ms sample had a pair available)');
  else console.log(`queue: RAN EMPTY in ${emptyAt.length} of ${samples.length} samples (~${(emptyAt.length / 4).toFixed(1)} s), at t = ${compactTimes(emptyAt)}`);
  console.log(JSON.stringify(summary, null, 2));
  await closeDb(db);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** 1.0, 1.3, 1.5, 7.8 -> "1.0-1.5 s, 7.8 s": runs of consecutive samples as ranges. */
function compactTimes(times: readonly number[]): string {
  const out: string[] = [];
  let start = times[0]!, prev = times[0]!;
  for (const t of times.slice(1).concat([Number.POSITIVE_INFINITY])) {
    if (t - prev > 0.3) {
      out.push(start === prev ? `${start.toFixed(1)} s` : `${start.toFixed(1)}-${prev.toFixed(1)} s`);
      start = t;
    }
    prev = t;
  }
  return out.join(', ');
}

main().catch((error: unknown) => {
  console.error('bench:loop failed:', error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});

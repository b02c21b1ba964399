/**
 * `npm run bench:loop [-- --seconds 60 --annotators 20 --rate 1 --env grid5 --batch 16]`
 *
 * The closed loop under load, in one process on a throwaway SQLite file: the trainer service
 * plus N scripted annotators answering the queue at `rate` labels/s each. Reports
 *   - label-to-new-clips latency: from the label that completed an iteration's batch (the
 *     checkpoint's watermark label) to the commit that inserted the new checkpoint's pairs;
 *   - the pending-queue depth sampled every second (annotators must never find it empty).
 * The service drives tabular runs only for now: with a non-tabular env (cartpole) the run is
 * reported as not trained and the numbers stay empty.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { openDb } from '../db/client';
import { migrateDb } from '../db/migrate';
import { checkpoints, labels, pairs, runs } from '../db/schema';
import { writeTx } from '../db/transactions';
import { TrainerService } from '../trainer/service/trainer-service';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const seconds = Number(flag('seconds', '60'));
const annotators = Number(flag('annotators', '20'));
const rate = Number(flag('rate', '1'));
const envId = flag('env', 'grid5');
const batch = Number(flag('batch', '16'));

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-loop-'));
  const db = openDb(path.join(dir, 'bench.sqlite'));
  migrateDb(db);
  const runId = writeTx(db, (tx) =>
    tx.insert(runs).values({
      name: `bench ${envId}`, envId, algorithm: 'sobirl', instructions: 'benchmark', labelBatchSize: batch,
      config: { seed: 1, simulate: { teacher: { beta: 5 }, annotators, labelsPerSecond: rate } },
    }).returning({ id: runs.id }).get().id,
  );
  const serviceLog: string[] = [];
  const service = new TrainerService({ db, pollMs: 50, log: (line) => serviceLog.push(line) });
  console.log(`bench:loop env=${envId} annotators=${annotators} rate=${rate}/s each batch=${batch} for ${seconds} s`);
  console.log('   t(s)  pending  labels  iteration');
  const depth: number[] = [];
  const started = Date.now();
  service.start();
  for (let t = 1; t <= seconds; t++) {
    await new Promise((r) => setTimeout(r, started + t * 1000 - Date.now()));
    const pending = db.select({ n: sql<number>`count(*)` }).from(pairs).where(and(eq(pairs.runId, runId), eq(pairs.status, 'pending'))).get()!.n;
    const labelCount = db.select({ n: sql<number>`count(*)` }).from(labels).get()!.n;
    const iteration = db.select({ k: runs.iteration }).from(runs).where(eq(runs.id, runId)).get()!.k;
    depth.push(pending);
    if (t % 5 === 0 || t === 1) console.log(`${String(t).padStart(7)}  ${String(pending).padStart(7)}  ${String(labelCount).padStart(6)}  ${String(iteration).padStart(9)}`);
  }
  await service.stop();

  // Latency per committed iteration: commit time minus the creation time of its last label.
  const rows = db
    .select({ iteration: checkpoints.iteration, committedAt: checkpoints.createdAt, labelAt: labels.createdAt })
    .from(checkpoints)
    .innerJoin(labels, eq(labels.id, checkpoints.labelWatermark))
    .where(eq(checkpoints.runId, runId))
    .all();
  const latencies = rows.map((r) => r.committedAt - r.labelAt).sort((a, b) => a - b);
  const sortedDepth = [...depth].sort((a, b) => a - b);
  const summary = {
    env: envId, annotators, ratePerAnnotator: rate, seconds, iterations: rows.length,
    latencyMs: { median: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), max: latencies.at(-1) ?? Number.NaN },
    pendingDepth: { min: sortedDepth[0] ?? 0, median: percentile(sortedDepth, 0.5), max: sortedDepth.at(-1) ?? 0, secondsEmpty: depth.filter((d) => d === 0).length },
  };
  const notes = serviceLog.filter((l) => /not trained|error|router did not load/.test(l));
  for (const note of notes.slice(0, 3)) console.log(`note: ${note}`);
  console.log(JSON.stringify(summary, null, 2));
  db.$client.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error('bench:loop failed:', error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});

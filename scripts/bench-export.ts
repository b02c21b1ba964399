/**
 * `npm run bench:export [-- --labels 100000]`: synthesises labels into a temp SQLite file and
 * exports them in each format, each export in its own child process so that one format's
 * peak memory (process.resourceUsage().maxRSS is a high-water mark) does not hide another's.
 * Every format is exported at a tenth of the labels too (a date filter): if memory is flat,
 * the peak RSS barely moves while the rows grow tenfold.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { closeDb, openDb } from '../db/client';
import { migrateDb } from '../db/migrate';
import { EXPORT_FORMATS, type ExportFormat } from '../server/export/schema';
import { writeExportFile } from '../server/export/writeFile';

const T0 = Date.UTC(2025, 0, 1);
const STEP_MS = 1000;
const CLIP_STEPS = 25;
const ANNOTATORS = 10;
/** V8 old-space cap for each export (the 100k JSONL is ~160 MB: it cannot fit if rows were kept). */
const HEAP_CAP_MB = 64;

interface ChildResult {
  format: ExportFormat;
  labels: number;
  bytes: number;
  seconds: number;
  rssBeforeMb: number;
  peakRssMb: number;
}

/** `labels` labels: two annotators per pair, grid5-sized clips of CLIP_STEPS steps. */
async function synthesise(file: string, labels: number): Promise<void> {
  const db = openDb(file);
  await migrateDb(db);
  await closeDb(db);
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = OFF');
  const now = T0;
  const insertUser = sqlite.prepare(
    `INSERT INTO users (email, name, role, password_hash, pseudonym, created_at) VALUES (?, ?, 'annotator', 'x', ?, ?)`,
  );
  const insertRun = sqlite.prepare(
    `INSERT INTO runs (name, env_id, algorithm, config, instructions, created_at, updated_at) VALUES ('bench', 'grid5', 'sobirl', '{}', 'bench', ?, ?)`,
  );
  const insertClip = sqlite.prepare(
    `INSERT INTO clips (run_id, env_id, seed, states, actions, log_probs, true_return, format_version, created_at) VALUES (?, 'grid5', ?, ?, ?, ?, ?, 1, ?)`,
  );
  const insertPair = sqlite.prepare(`INSERT INTO pairs (run_id, clip_a_id, clip_b_id, status, created_at) VALUES (?, ?, ?, 'done', ?)`);
  const insertLabel = sqlite.prepare(
    `INSERT INTO labels (submission_id, pair_id, user_id, choice, y, shown_at, answered_at, response_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const choices = [['left', 1], ['right', 0], ['equal', 0.5], ['cant_tell', null]] as const;
  sqlite.transaction(() => {
    const userIds: number[] = [];
    for (let u = 0; u < ANNOTATORS; u++) userIds.push(Number(insertUser.run(`ann${u}@bench.example`, `Annotator ${u}`, `bench-${u}`, now).lastInsertRowid));
    const runId = Number(insertRun.run(now, now).lastInsertRowid);
    const clip = (seed: number) => {
      const states = Array.from({ length: CLIP_STEPS + 1 }, (_, t) => ({ row: (seed + t) % 5, col: (seed * 7 + t) % 5 }));
      const actions = Array.from({ length: CLIP_STEPS }, (_, t) => (seed + t) % 4);
      const logProbs = actions.map(() => Math.log(0.25));
      return Number(insertClip.run(runId, seed, JSON.stringify(states), JSON.stringify(actions), JSON.stringify(logProbs), seed % 11, now).lastInsertRowid);
    };
    for (let i = 0; i < labels; i += 2) {
      const pairId = Number(insertPair.run(runId, clip(i), clip(i + 1), now).lastInsertRowid);
      for (let k = 0; k < 2 && i + k < labels; k++) {
        const n = i + k;
        const [choice, y] = choices[n % 4]!;
        const answeredAt = T0 + n * STEP_MS;
        insertLabel.run(`bench-${n}`, pairId, userIds[(i / 2 + k) % ANNOTATORS]!, choice, y, answeredAt - 1200, answeredAt, 1200, answeredAt);
      }
    }
  })();
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
}

/** In the child: one export, then its numbers as one JSON line on stdout. */
async function child(format: ExportFormat, file: string, out: string, labels: number): Promise<void> {
  const db = openDb(file);
  const rssBefore = process.resourceUsage().maxRSS;
  const started = performance.now();
  let rows = 0;
  const { bytes } = await writeExportFile(db, format, { to: T0 + (labels - 1) * STEP_MS }, out, { onPage: (n) => (rows += n) });
  const seconds = (performance.now() - started) / 1000;
  const result: ChildResult = {
    format,
    labels: rows,
    bytes,
    seconds,
    rssBeforeMb: rssBefore / 1024,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  await closeDb(db);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { labels: { type: 'string', default: '100000' }, child: { type: 'string' }, db: { type: 'string' }, out: { type: 'string' }, n: { type: 'string' } },
  });
  if (values.child) return child(values.child as ExportFormat, values.db!, values.out!, Number(values.n));

  const labels = Number(values.labels);
  if (!Number.isInteger(labels) || labels < 10) throw new Error(`--labels must be an integer >= 10; got ${values.labels}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-export-'));
  const file = path.join(dir, 'bench.sqlite');
  try {
    let started = performance.now();
    await synthesise(file, labels);
    console.log(`synthesised ${labels} labels (${labels} clips, ${CLIP_STEPS} steps each) in ${((performance.now() - started) / 1000).toFixed(1)} s; db ${(fs.statSync(file).size / 1e6).toFixed(1)} MB`);
    const results: ChildResult[] = [];
    for (const format of EXPORT_FORMATS) {
      for (const n of [Math.floor(labels / 10), labels]) {
        started = performance.now();
        const run = spawnSync(
          process.execPath,
          // A small heap cap: an export that kept its rows would die here instead of just growing.
          [...process.execArgv, `--max-old-space-size=${HEAP_CAP_MB}`, fileURLToPath(import.meta.url), '--child', format, '--db', file, '--out', path.join(dir, `out.${format}`), '--n', String(n)],
          { encoding: 'utf8' },
        );
        if (run.status !== 0) throw new Error(`child ${format} failed:\n${run.stderr}`);
        results.push(JSON.parse(run.stdout.trim().split('\n').pop()!) as ChildResult);
      }
    }
    console.log(`\neach export in a child process with --max-old-space-size=${HEAP_CAP_MB}`);
    console.log('| format  |  labels |     MB | time s | labels/s | RSS before MB | peak RSS MB | growth MB |');
    console.log('|---------|--------:|-------:|-------:|---------:|--------------:|------------:|----------:|');
    for (const r of results) {
      console.log(
        `| ${r.format.padEnd(7)} | ${String(r.labels).padStart(7)} | ${(r.bytes / 1e6).toFixed(1).padStart(6)} | ${r.seconds.toFixed(2).padStart(6)} | ${Math.round(r.labels / r.seconds).toString().padStart(8)} | ${r.rssBeforeMb.toFixed(0).padStart(13)} | ${r.peakRssMb.toFixed(0).padStart(11)} | ${(r.peakRssMb - r.rssBeforeMb).toFixed(0).padStart(9)} |`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error('bench:export failed:', error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});

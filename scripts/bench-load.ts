/**
 * `npm run bench:load [-- --annotators 100 --think 3 --seconds 60 --env grid5 --faults --database sqlite,postgres]`
 *
 * N annotators, each with its own account and session (signed in through next-auth's credentials
 * flow), label one run through real HTTP against the production build served by `npm start`'s
 * own script (scripts/start.ts: supervisor, web server, trainer) on a throwaway database.
 * --database: a comma list of `sqlite` (a fresh file, the default) and `postgres` (a fresh
 * database on the server at --postgres-url, default $BENCH_POSTGRES_URL, $TEST_POSTGRES_URL or
 * postgres://postgres@127.0.0.1:55432/postgres, dropped afterwards); each is benched in turn with
 * the same settings in this one run, and a table sets them side by side at the end. Each
 * loops label.next -> think (uniform in [0.5, 1.5] x --think s) -> label.submit, retrying a
 * submit (same submissionId: idempotent) until the server acknowledges it. --think 0 is the
 * zero-think-time stress. --faults kill -9s the trainer at 1/3 of the run and the web server at
 * 2/3; the supervisor must bring both back.
 *
 * Prints: server-side latency percentiles per procedure (SERVER_TIMING_FILE, measured inside the
 * web server, so this client's CPU is not in them) and client-side ones, labels/s, labels
 * acknowledged vs stored (lost = acknowledged, not in the database), duplicates, queue-empty
 * samples (label.next with no pair; split at the commit of the run's first iteration), faults
 * injected and how long each took to recover (and the CPU the new process spent getting there),
 * the web server's CPU per request, then one verdict line per target of issue 11 (holds / does
 * NOT hold, with the figure). The JSON summary goes to --out too. --cpu-prof DIR: the web server
 * writes a V8 CPU profile (.cpuprofile) into DIR when the bench stops it. Without a production
 * build (.next/BUILD_ID) scripts/start.ts builds one first.
 *
 * label.next is called as a tRPC mutation (POST) when the router declares it so, else as a query
 * (GET); LABEL_NEXT_METHOD=query|mutation overrides the detection.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { closeDb, openDb, openPostgres, type Db } from '../db/client';
import { migrateDb } from '../db/migrate';
import { runs } from '../db/schema';
import { writeTx } from '../db/transactions';
import { hashPassword, insertUser } from '../db/users';
import { appRouter } from '../server/root';
import { createRunInputSchema } from '../trainer/contracts/run-config';
import { queryFirst, queryRows, returnedRow } from '../db/dialect';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values: args } = parseArgs({
  options: {
    annotators: { type: 'string', default: '100' },
    think: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '60' },
    env: { type: 'string', default: 'grid5' },
    batch: { type: 'string', default: '16' },
    overlap: { type: 'string', default: '1' },
    port: { type: 'string', default: '3240' },
    faults: { type: 'boolean', default: false },
    out: { type: 'string' },
    'cpu-prof': { type: 'string' },
    database: { type: 'string', default: 'sqlite' },
    'postgres-url': { type: 'string' },
  },
});
const DATABASES = args.database.split(',').map((d) => d.trim());
for (const d of DATABASES) if (d !== 'sqlite' && d !== 'postgres') throw new Error(`--database takes sqlite and/or postgres (comma-separated), not '${d}'`);
const POSTGRES_URL = args['postgres-url'] ?? process.env.BENCH_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres';
const N = Number(args.annotators), THINK_S = Number(args.think), SECONDS = Number(args.seconds);
const PORT = Number(args.port), BASE = `http://127.0.0.1:${PORT}`;
for (const [name, v] of Object.entries({ annotators: N, think: THINK_S, seconds: SECONDS, port: PORT })) {
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} must be a non-negative number`);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const PASSWORD = 'bench-load-password';

function labelNextMethod(): 'query' | 'mutation' {
  const forced = process.env.LABEL_NEXT_METHOD;
  if (forced === 'query' || forced === 'mutation') return forced;
  const procedure = (appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)['label.next'];
  return procedure?._def.type === 'mutation' ? 'mutation' : 'query';
}

// ---------------------------------------------------------------- setup: database and server
type DatabaseKind = 'sqlite' | 'postgres';
const benchRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-load-'));
// bcrypt cost 4 for the bench accounts: sign-in is not what is measured.
const hash = hashPassword(PASSWORD, 4);
const emails = Array.from({ length: N }, (_, i) => `load-${i}@bench.invalid`);

/** The database and files of one bench (one per --database entry), and what the server's processes need to open it. */
interface Target {
  kind: DatabaseKind;
  dir: string;
  db: Db;
  /** DATABASE_PATH or DATABASE_URL for scripts/start.ts. */
  env: Record<string, string>;
  timingFile: string;
  serverLog: string;
  drop: () => Promise<void>;
}

async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A fresh database of the kind, migrated, with the N annotators and one run. */
async function prepareTarget(kind: DatabaseKind): Promise<Target> {
  const dir = path.join(benchRoot, kind);
  fs.mkdirSync(dir);
  let target: Omit<Target, 'timingFile' | 'serverLog'>;
  if (kind === 'sqlite') {
    const file = path.join(dir, 'app.sqlite');
    const db = openDb(file);
    target = { kind, dir, db, env: { DATABASE_PATH: file }, drop: () => closeDb(db) };
  } else {
    const name = `bench_load_${randomBytes(4).toString('hex')}`;
    await adminQuery(`create database "${name}"`);
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${name}`;
    const db = openPostgres(url.toString(), 4);
    target = {
      kind, dir, db, env: { DATABASE_URL: url.toString() },
      drop: async () => {
        await closeDb(db);
        await adminQuery(`drop database if exists "${name}" with (force)`);
      },
    };
  }
  await migrateDb(target.db);
  await writeTx(target.db, async (tx) => {
    for (const email of emails) await insertUser(tx, { email, name: email, role: 'annotator', passwordHash: hash });
  });
  const runInput = createRunInputSchema.parse({
    name: `bench:load ${args.env}`, envId: args.env, instructions: 'Which clip is better?', labelBatchSize: Number(args.batch), labelsWanted: Number(args.overlap),
  });
  runId = await writeTx(target.db, async (tx) => (await returnedRow(tx.insert(runs).values({ ...runInput, createdAt: Date.now(), updatedAt: Date.now() }).returning({ id: runs.id }))).id);
  return { ...target, timingFile: path.join(dir, 'server-timing.tsv'), serverLog: path.join(dir, 'server.log') };
}

/** The run being labeled by the current bench (prepareTarget). */
let runId = 0;

interface ServerProcess {
  child: ChildProcess;
  lines: string[];
  pid: (name: 'web' | 'trainer') => number | undefined;
  waitFor: (re: RegExp, from: number, timeoutMs: number) => Promise<number>;
}

function startServer(target: Target): ServerProcess {
  const { timingFile, serverLog } = target;
  const env: NodeJS.ProcessEnv = {
    ...process.env, DATABASE_PATH: undefined, DATABASE_URL: undefined, ...target.env,
    PORT: String(PORT), HOSTNAME: '127.0.0.1', SERVER_TIMING_FILE: timingFile,
    NEXTAUTH_SECRET: randomBytes(32).toString('base64url'), NEXTAUTH_URL: BASE, TRAINER_SIMULATE: '0', NODE_ENV: 'production' as const,
    ...(args['cpu-prof'] ? { WEB_CPU_PROF_DIR: path.resolve(args['cpu-prof']) } : {}),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const logStream = fs.createWriteStream(serverLog);
  let partial = '';
  const onData = (chunk: Buffer) => {
    logStream.write(chunk);
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const line of parts) lines.push(`${Date.now()}\t${line}`);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const pid = (name: 'web' | 'trainer') => {
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = new RegExp(`start: ${name} running \\(pid (\\d+)\\)`).exec(lines[i]!);
      if (m) return Number(m[1]);
    }
    return undefined;
  };
  const waitFor = async (re: RegExp, from: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = lines.findIndex((l, k) => k >= from && re.test(l));
      if (i >= 0) return i;
      if (Date.now() > deadline) throw new Error(`bench: no server line matching ${re} within ${timeoutMs} ms; see ${serverLog}`);
      await sleep(50);
    }
  };
  return { child, lines, pid, waitFor };
}

// ---------------------------------------------------------------- HTTP client
type Jar = Map<string, string>;

function absorbCookies(jar: Jar, response: Response): void {
  for (const cookie of response.headers.getSetCookie()) {
    const [pair] = cookie.split(';');
    const eq = pair!.indexOf('=');
    if (eq > 0) jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
  }
}
const cookieHeader = (jar: Jar) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

/**
 * Signs in, retrying when refused for a while (a sign-in rate limiter per address would refuse a
 * hundred sign-ins from 127.0.0.1 in a few seconds): waits Retry-After (or 2 s), up to 3 minutes.
 */
async function signIn(email: string): Promise<Jar> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const result = await signInOnce(email);
    if (result.jar) return result.jar;
    if (Date.now() > deadline) throw new Error(`bench: sign-in of ${email} failed (HTTP ${result.status})`);
    await sleep(result.retryAfterS ? result.retryAfterS * 1000 : 2000);
  }
}

async function signInOnce(email: string): Promise<{ jar?: Jar; status: number; retryAfterS?: number }> {
  const jar: Jar = new Map();
  const csrf = await fetch(`${BASE}/api/auth/csrf`);
  absorbCookies(jar, csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await fetch(`${BASE}/api/auth/callback/credentials`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
    body: new URLSearchParams({ csrfToken, email, password: PASSWORD, callbackUrl: BASE, json: 'true' }),
  });
  absorbCookies(jar, response);
  if ([...jar.keys()].some((k) => k.includes('session-token'))) return { jar, status: response.status };
  const retryAfter = Number(response.headers.get('retry-after'));
  return { status: response.status, retryAfterS: Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 60) : undefined };
}

interface CallResult<T> {
  ok: boolean;
  status: number;
  data?: T;
  errorCode?: string;
  ms: number;
}

/** A hard deadline on the whole call: a socket that dies while its body is read can leave `response.json()` pending for ever. */
const CALL_DEADLINE_MS = 15_000;

function trpc<T>(jar: Jar, procedure: string, kind: 'query' | 'mutation', input: unknown): Promise<CallResult<T>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<CallResult<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, status: 0, ms: performance.now() - started }), CALL_DEADLINE_MS);
  });
  return Promise.race([trpcOnce<T>(jar, procedure, kind, input, started), deadline]).finally(() => clearTimeout(timer));
}

async function trpcOnce<T>(jar: Jar, procedure: string, kind: 'query' | 'mutation', input: unknown, started: number): Promise<CallResult<T>> {
  try {
    const url = kind === 'query' ? `${BASE}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}` : `${BASE}/api/trpc/${procedure}`;
    const response = await fetch(url, {
      method: kind === 'query' ? 'GET' : 'POST',
      headers: { cookie: cookieHeader(jar), ...(kind === 'mutation' ? { 'content-type': 'application/json' } : {}) },
      body: kind === 'mutation' ? JSON.stringify(input) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json().catch(() => null)) as { result?: { data: T }; error?: { data?: { code?: string } } } | null;
    const ms = performance.now() - started;
    if (response.ok && body?.result) return { ok: true, status: response.status, data: body.result.data, ms };
    return { ok: false, status: response.status, errorCode: body?.error?.data?.code, ms };
  } catch {
    return { ok: false, status: 0, ms: performance.now() - started }; // refused / reset / timed out: the server is down
  }
}

// ---------------------------------------------------------------- the load
interface Stats {
  client: Record<'label.next' | 'label.submit', number[]>;
  acknowledged: Map<string, { labelId: number; duplicateAnswers: number }>;
  queueEmptyAt: number[];
  rejected: number;
  networkErrors: number;
  serverErrors: number;
  lastOkAt: number;
}

const freshStats = (): Stats => ({ client: { 'label.next': [], 'label.submit': [] }, acknowledged: new Map(), queueEmptyAt: [], rejected: 0, networkErrors: 0, serverErrors: 0, lastOkAt: 0 });
/** The current bench's counters (reset for each database). */
let stats: Stats = freshStats();
const nextKind = labelNextMethod();

function count(result: CallResult<unknown>): void {
  if (result.status === 0) stats.networkErrors++;
  else if (result.status >= 500) stats.serverErrors++;
  if (result.ok) stats.lastOkAt = Date.now();
}

async function annotator(jar: Jar, endAt: number, rng: () => number): Promise<void> {
  while (Date.now() < endAt) {
    const next = await trpc<{ pair: { id: number } | null }>(jar, 'label.next', nextKind, { runId });
    count(next);
    if (!next.ok) {
      await sleep(250);
      continue;
    }
    stats.client['label.next'].push(next.ms);
    const pair = next.data!.pair;
    if (!pair) {
      stats.queueEmptyAt.push(Date.now());
      await sleep(Math.max(250, THINK_S * 1000));
      continue;
    }
    const shownAt = Date.now();
    if (THINK_S > 0) await sleep(THINK_S * 1000 * (0.5 + rng()));
    const input = { submissionId: randomUUID(), pairId: pair.id, choice: rng() < 0.5 ? 'left' : 'right', shownAt, answeredAt: Date.now() };
    // Retry until acknowledged (idempotent by submissionId), for at most 30 s past the end.
    for (let attempt = 0; Date.now() < endAt + 30_000; attempt++) {
      const submit = await trpc<{ labelId: number; duplicate: boolean }>(jar, 'label.submit', 'mutation', input);
      count(submit);
      if (submit.ok) {
        stats.client['label.submit'].push(submit.ms);
        const previous = stats.acknowledged.get(input.submissionId);
        stats.acknowledged.set(input.submissionId, { labelId: submit.data!.labelId, duplicateAnswers: (previous?.duplicateAnswers ?? 0) + (submit.data!.duplicate ? 1 : 0) });
        break;
      }
      if (submit.status >= 400 && submit.status < 500) {
        stats.rejected++; // e.g. the lease expired while the server was down: the label was never stored
        break;
      }
      await sleep(Math.min(2000, 100 * 2 ** attempt));
    }
  }
}

function seededRng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
}

function percentiles(values: readonly number[]) {
  const v = [...values].sort((a, b) => a - b);
  const at = (p: number) => (v.length === 0 ? NaN : v[Math.min(v.length - 1, Math.floor(p * v.length))]!);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: v.length, p50: r(at(0.5)), p95: r(at(0.95)), p99: r(at(0.99)), max: r(v[v.length - 1] ?? NaN) };
}

interface Fault {
  target: 'trainer' | 'web';
  at: number;
  pid: number;
  recoveredMs: number | null;
  /** ms after the kill: the supervisor started the new process; it said it was ready (trainer: ready / Next's "Ready in"). */
  respawnedMs: number | null;
  readyMs: number | null;
  /** CPU ms the new process used until it was back: the part of recovery that the machine's load does not stretch. */
  cpuMsToRecover: number | null;
}

async function injectFault(server: ServerProcess, target: 'trainer' | 'web', endAt: number): Promise<Fault> {
  const pid = server.pid(target);
  if (!pid) throw new Error(`bench: no ${target} pid known`);
  const from = server.lines.length;
  const at = Date.now();
  process.kill(pid, 'SIGKILL');
  console.log(`bench: fault: kill -9 ${target} (pid ${pid}) at t=${((at - startedAt) / 1000).toFixed(1)} s`);
  const lineAt = (index: number) => Number(server.lines[index]!.split('\t')[0]);
  const fault: Fault = { target, at, pid, recoveredMs: null, respawnedMs: null, readyMs: null, cpuMsToRecover: null };
  try {
    const timeout = () => Math.max(1000, endAt - Date.now());
    const respawned = await server.waitFor(new RegExp(`start: ${target} running`), from, timeout());
    fault.respawnedMs = lineAt(respawned) - at;
    const newPid = server.pid(target);
    // Ready = a new trainer that says it is polling again; a new web server Next calls ready.
    const ready = await server.waitFor(target === 'trainer' ? /trainer: ready/ : /Ready in/, respawned, timeout());
    fault.readyMs = lineAt(ready) - at;
    if (target === 'web') {
      // Back = the web server answers a request again.
      while (stats.lastOkAt <= at && Date.now() < endAt + 30_000) await sleep(20);
      if (stats.lastOkAt <= at) throw new Error('no successful request after the kill');
    }
    fault.recoveredMs = target === 'web' ? stats.lastOkAt - at : fault.readyMs;
    const cpu = cpuSeconds(newPid);
    fault.cpuMsToRecover = cpu === null ? null : Math.round(cpu * 1000);
  } catch (error) {
    console.log(`bench: ${target} did not recover: ${(error as Error).message}`);
  }
  return fault;
}

/** One line per target of issue 11: holds or not, with the measured figure. */
function verdicts(summary: {
  serverMs: Record<string, { p99: number; n: number }>;
  lost: number;
  acknowledged: number;
  duplicates: { samePairSameUser: number; pairsOverOverlap: number };
  queueEmpty: { afterFirstIteration: number | null };
  faults: { target: string; recoveredMs: number | null }[];
}): string[] {
  const line = (target: string, holds: boolean | null, figure: string) =>
    `verdict: ${target}: ${holds === null ? 'not measured' : holds ? 'holds' : 'does NOT hold'} (${figure})`;
  const lines: string[] = [];
  for (const procedure of ['label.next', 'label.submit']) {
    const p = summary.serverMs[procedure];
    lines.push(line(`server-side p99 of ${procedure} < 50 ms`, p ? p.p99 < 50 : null, p ? `${p.p99} ms over ${p.n} calls` : 'no calls'));
  }
  lines.push(line('0 acknowledged labels lost', summary.lost === 0, `${summary.lost} of ${summary.acknowledged}`));
  const duplicated = summary.duplicates.samePairSameUser + summary.duplicates.pairsOverOverlap;
  lines.push(line('0 duplicated labels', duplicated === 0, `${summary.duplicates.samePairSameUser} same pair + user, ${summary.duplicates.pairsOverOverlap} pairs over their overlap`));
  const empty = summary.queueEmpty.afterFirstIteration;
  lines.push(line('0 queue-empty samples after the first iteration', empty === null ? null : empty === 0, empty === null ? 'no iteration committed' : `${empty}`));
  for (const f of summary.faults) {
    lines.push(line(`${f.target} back within 10 s of kill -9, no person`, f.recoveredMs !== null && f.recoveredMs < 10_000, f.recoveredMs === null ? 'did not recover' : `${(f.recoveredMs / 1000).toFixed(1)} s`));
  }
  return lines;
}

let startedAt = 0;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); null elsewhere or when it is gone. */
function cpuSeconds(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  console.log(`bench:load: ${N} annotators, think ${THINK_S} s, ${SECONDS} s, env ${args.env}, batch ${args.batch}, overlap ${args.overlap}, faults ${args.faults ? 'on' : 'off'}; label.next as a ${nextKind}; databases ${DATABASES.join(', ')}; ${BASE}; files in ${benchRoot}`);
  if (!fs.existsSync(path.join(root, '.next', 'BUILD_ID'))) console.log('bench:load: no production build yet; scripts/start.ts builds it first (minutes)');
  const summaries: Array<{ database: DatabaseKind; summary: Summary }> = [];
  for (const kind of DATABASES as DatabaseKind[]) {
    console.log(`bench:load: --- ${kind} ---`);
    const target = await prepareTarget(kind);
    try {
      summaries.push({ database: kind, summary: await benchOne(target) });
    } finally {
      await target.drop();
    }
  }
  if (summaries.length > 1) {
    console.log('bench:load: side by side (server-side ms, measured inside the web server)');
    console.log(comparisonTable(summaries));
  }
  if (args.out) fs.writeFileSync(args.out, JSON.stringify(summaries.length === 1 ? summaries[0]!.summary : summaries, null, 2) + '\n');
}

type Summary = Awaited<ReturnType<typeof benchOne>>;

/** One markdown row per database: what the README's table shows. */
function comparisonTable(rows: ReadonlyArray<{ database: DatabaseKind; summary: Summary }>): string {
  const ms = (s: Summary, procedure: string, p: 'p50' | 'p99') => s.serverMs[procedure]?.[p] ?? NaN;
  const lines = [
    '| database | label.next p50 / p99 | label.submit p50 / p99 | labels/s | acknowledged | lost | duplicated | load (1 min) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const { database, summary: s } of rows) {
    const duplicated = s.duplicates.samePairSameUser + s.duplicates.pairsOverOverlap;
    lines.push(`| ${database} | ${ms(s, 'label.next', 'p50')} / ${ms(s, 'label.next', 'p99')} ms | ${ms(s, 'label.submit', 'p50')} / ${ms(s, 'label.submit', 'p99')} ms | ${s.labelsPerSecond} | ${s.acknowledged} | ${s.lost} | ${duplicated} | ${s.setup.loadAverage[0]} |`);
  }
  return lines.join('\n');
}

/** The load against one database: starts the server on it, labels for --seconds, reads back what was stored. */
async function benchOne(target: Target) {
  const { db, timingFile } = target;
  stats = freshStats();
  const server = startServer(target);
  try {
    await server.waitFor(/Ready in/, 0, 900_000);
    await server.waitFor(/trainer: ready/, 0, 120_000);
    const jars: Jar[] = [];
    for (let i = 0; i < N; i += 10) jars.push(...(await Promise.all(emails.slice(i, i + 10).map(signIn))));
    console.log(`bench:load: ${jars.length} sessions; labeling for ${SECONDS} s`);
    startedAt = Date.now();
    const endAt = startedAt + SECONDS * 1000;
    // CPU used by the web server per request: a figure the other jobs on a shared machine do not move
    // much (they stretch wall-clock latency, not the work a request takes). Without faults only:
    // a killed process takes its counters with it.
    const webPid = server.pid('web'), trainerPid = server.pid('trainer');
    const cpuAtStart = { web: cpuSeconds(webPid), trainer: cpuSeconds(trainerPid) };
    const faults: Promise<Fault>[] = [];
    if (args.faults) {
      faults.push(sleep((SECONDS * 1000) / 3).then(() => injectFault(server, 'trainer', endAt)));
      faults.push(sleep((2 * SECONDS * 1000) / 3).then(() => injectFault(server, 'web', endAt)));
    }
    const progress = setInterval(() => {
      const t = ((Date.now() - startedAt) / 1000).toFixed(0);
      console.log(`bench:load: t=${t} s acknowledged=${stats.acknowledged.size} queue-empty=${stats.queueEmptyAt.length} network-errors=${stats.networkErrors}`);
    }, 10_000);
    await Promise.all(jars.map((jar, i) => sleep((i * 1000 * Math.max(THINK_S, 0.2)) / N).then(() => annotator(jar, endAt, seededRng(i + 1)))));
    clearInterval(progress);
    const injected = await Promise.all(faults);
    const elapsedS = (Date.now() - startedAt) / 1000;
    const cpuUsed = (pid: number | undefined, start: number | null) => {
      const end = cpuSeconds(pid);
      return end === null || start === null || server.pid(pid === webPid ? 'web' : 'trainer') !== pid ? null : end - start;
    };
    const webCpu = cpuUsed(webPid, cpuAtStart.web), trainerCpu = cpuUsed(trainerPid, cpuAtStart.trainer);
    await sleep(1500); // the server's timing buffer is flushed once a second

    // ------------------------------------------------------------ what the database holds
    const stored = await queryRows<{ submissionId: string; id: number }>(db, sql`select l.submission_id as "submissionId", l.id as id from labels l
      join pairs p on p.id = l.pair_id where p.run_id = ${runId} and l.undone_at is null`);
    const storedIds = new Set(stored.map((r) => r.submissionId));
    const lost = [...stats.acknowledged.keys()].filter((id) => !storedIds.has(id)).length;
    const samePairTwice = (await queryFirst<{ n: number }>(db, sql`select count(*) as n from (select l.pair_id, l.user_id from labels l join pairs p on p.id = l.pair_id
      where p.run_id = ${runId} and l.undone_at is null group by l.pair_id, l.user_id having count(*) > 1) twice`))!.n;
    const overfilled = (await queryFirst<{ n: number }>(db, sql`select count(*) as n from pairs p where p.run_id = ${runId}
      and (select count(*) from labels l where l.pair_id = p.id and l.undone_at is null) > p.labels_wanted`))!.n;
    const firstIterationAt = (await queryFirst<{ t: number | null }>(db, sql`select min(created_at) as t from checkpoints where run_id = ${runId} and iteration = 1`))?.t ?? null;
    const run = (await queryFirst<{ iteration: number }>(db, sql`select iteration from runs where id = ${runId}`))!;
    const labelsInWindow = (await queryFirst<{ n: number }>(db, sql`select count(*) as n from labels l join pairs p on p.id = l.pair_id
      where p.run_id = ${runId} and l.created_at between ${startedAt} and ${endAt}`))!.n;

    const timings: Record<string, number[]> = {};
    if (fs.existsSync(timingFile)) {
      for (const line of fs.readFileSync(timingFile, 'utf8').split('\n')) {
        const [t, procedure, ms] = line.split('\t');
        if (!procedure || Number(t) < startedAt) continue;
        (timings[procedure] ??= []).push(Number(ms));
      }
    }
    const summary = {
      setup: { database: target.kind, annotators: N, thinkSeconds: THINK_S, seconds: SECONDS, env: args.env, labelBatchSize: Number(args.batch), overlap: Number(args.overlap), faults: args.faults, labelNext: nextKind, cpus: os.cpus().length, loadAverage: os.loadavg().map((x) => Math.round(x * 10) / 10) },
      serverMs: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, percentiles(v)])),
      clientMs: { 'label.next': percentiles(stats.client['label.next']), 'label.submit': percentiles(stats.client['label.submit']) },
      labelsPerSecond: Math.round((labelsInWindow / SECONDS) * 10) / 10,
      cpu: {
        webMsPerRequest: webCpu === null ? null : Math.round((webCpu * 1000 / Math.max(1, stats.client['label.next'].length + stats.client['label.submit'].length)) * 100) / 100,
        // Per request the server answered (its timing lines): on a starved machine many calls time
        // out on the client after the server did their work, which inflates the figure above.
        webMsPerServerRequest: webCpu === null ? null : Math.round((webCpu * 1000 / Math.max(1, Object.values(timings).reduce((n, v) => n + v.length, 0))) * 100) / 100,
        webCoreShare: webCpu === null ? null : Math.round((webCpu / elapsedS) * 100) / 100,
        trainerCoreShare: trainerCpu === null ? null : Math.round((trainerCpu / elapsedS) * 100) / 100,
      },
      acknowledged: stats.acknowledged.size,
      stored: stored.length,
      lost,
      duplicates: { samePairSameUser: samePairTwice, pairsOverOverlap: overfilled, retriedSubmitsAnsweredDuplicate: [...stats.acknowledged.values()].filter((a) => a.duplicateAnswers > 0).length },
      queueEmpty: {
        samples: stats.queueEmptyAt.length,
        afterFirstIteration: firstIterationAt === null ? null : stats.queueEmptyAt.filter((t) => t > firstIterationAt).length,
        firstIterationAfterS: firstIterationAt === null ? null : Math.round((firstIterationAt - startedAt) / 100) / 10,
      },
      iterations: run.iteration,
      rejectedSubmits: stats.rejected,
      networkErrors: stats.networkErrors,
      serverErrors: stats.serverErrors,
      faults: injected.map((f) => ({
        target: f.target, atS: Math.round((f.at - startedAt) / 100) / 10, recovered: f.recoveredMs !== null, recoveredMs: f.recoveredMs,
        respawnedMs: f.respawnedMs, readyMs: f.readyMs, cpuMsToRecover: f.cpuMsToRecover,
      })),
      elapsedS: Math.round(elapsedS),
    };
    console.log(JSON.stringify(summary, null, 2));
    const [load1] = os.loadavg();
    console.log(`bench:load: load average ${load1!.toFixed(1)} on ${os.cpus().length} cores${load1! > os.cpus().length ? ' (more runnable processes than cores: the latencies include waiting for a core; the CPU per request does not)' : ''}`);
    for (const verdict of verdicts(summary)) console.log(verdict);
    return summary;
  } finally {
    const exited = new Promise((r) => server.child.on('exit', r));
    server.child.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000)]);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench:load failed:', error instanceof Error ? error.stack ?? error.message : error);
    process.exit(1);
  },
);

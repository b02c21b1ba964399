/**
 * `npm start`: everything a fresh clone needs to serve the app.
 *   1. build the Next app if no build exists (.next/BUILD_ID),
 *   2. migrate the database (the SQLite file at DATABASE_PATH, or PostgreSQL at DATABASE_URL) and
 *      seed the demo on an empty one (passwords printed once),
 *   3. start the trainer service (scripts/trainer.ts, which injects the label queue its simulated
 *      annotators use; START_TRAINER=0 skips it) and serve with `next start` on HOSTNAME:PORT
 *      (127.0.0.1:3000 by default), both under a Supervisor (scripts/supervisor.ts): a child that
 *      crashes or is killed is logged with its exit code or signal and restarted with exponential
 *      backoff; this process never exits because one child died. Ctrl+C / SIGTERM stop the
 *      restarts and shut both down cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeDb, postgresUrlFrom, resolveDatabasePath } from '../db/client';
import { prepareDatabase } from './seed/setup';
import { sessionSecret } from '../server/env';
import { Supervisor } from './supervisor';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');

const port = process.env.PORT ?? '3000';
const hostname = process.env.HOSTNAME ?? '127.0.0.1';
const databasePath = resolveDatabasePath();

// Both the web app and (later) the trainer must see the same absolute database path and secret.
const childEnv: NodeJS.ProcessEnv = {
  ...process.env,
  DATABASE_PATH: databasePath,
  // Same host in the URL the browser uses and in NEXTAUTH_URL, or the session cookie is lost.
  NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://${hostname}:${port}`,
  // A fresh clone has no secret: make one once and keep it beside the database.
  // (With DATABASE_URL it must be set: server/env.ts sessionSecret.)
  NEXTAUTH_SECRET: sessionSecret(process.env, path.dirname(databasePath)),
};

/** The build step's child (the supervised ones are the Supervisor's). */
const children = new Set<ChildProcess>();
const supervisor = new Supervisor();

function run(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [nextBin, ...args], { cwd: root, env, stdio: 'inherit' });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function exitCode(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`start: ${signal} received; stopping the web server and the trainer`);
    for (const child of children) child.kill(signal);
    void supervisor.stop(signal).then(() => process.exit(0));
  });
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(root, '.next', 'BUILD_ID'))) {
    console.log('start: no build found (.next/BUILD_ID); running `next build` (a few minutes the first time)…');
    const code = await exitCode(run(['build'], { ...childEnv, NODE_ENV: 'production' }));
    if (code !== 0) {
      console.error(`start: next build failed with exit code ${code}; fix the error above and run npm start again.`);
      process.exit(code);
    }
  }
  if (stopping) return;

  console.log(`start: database ${postgresUrlFrom() ? 'PostgreSQL at DATABASE_URL' : databasePath}`);
  const { db } = await prepareDatabase(databasePath, (line) => console.log(line));
  await closeDb(db);

  // The trainer service, beside the web server, on the same database. `node --import tsx`
  // rather than the tsx binary: tsx forwards SIGTERM with a short handshake and otherwise
  // SIGKILLs, which would cut the service's clean shutdown.
  if (process.env.START_TRAINER !== '0') {
    supervisor.add({ name: 'trainer', command: process.execPath, args: ['--import', 'tsx', 'scripts/trainer.ts'], options: { cwd: root, env: childEnv, stdio: 'inherit' } });
  }
  console.log(`start: serving on http://${hostname}:${port}`);
  // WEB_CPU_PROF_DIR (npm run bench:load -- --cpu-prof DIR): the web server writes a V8 CPU profile
  // there when it exits (node refuses --cpu-prof in NODE_OPTIONS, so it goes on the command line).
  const profile = process.env.WEB_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.WEB_CPU_PROF_DIR}`] : [];
  supervisor.add({ name: 'web', command: process.execPath, args: [...profile, nextBin, 'start', '--port', port, '--hostname', hostname], options: { cwd: root, env: childEnv, stdio: 'inherit' } });
}

main().catch((error: unknown) => {
  console.error('start: failed:', error instanceof Error ? error.stack ?? error.message : error);
  for (const child of children) child.kill('SIGTERM');
  void supervisor.stop().then(() => process.exit(1));
});

/**
 * The background trainer service as a process (scripts/trainer.ts runs it: `npm run trainer`,
 * and `npm start` beside the web server, with the web server's label queue injected).
 *   DATABASE_PATH           the SQLite file shared with the web app (same absolute path)
 *   DATABASE_URL            postgres://...: PostgreSQL instead of the SQLite file
 *   TRAINER_POLL_MS         pause between passes over the runs (default 500)
 *   TRAINER_SIMULATE        0 = never start scripted annotators, even for runs configured so
 *   TRAINER_ID              this process's name: its heartbeat row and the holder of its run leases
 *                           (default 'main'); each trainer process on one database needs its own
 *   TRAINER_ENGINES         engine kinds it takes, comma-separated (default all: trainer/service/engine-selection.ts)
 *   TRAINER_LEASE_MS        how long its run leases last unrenewed: a killed trainer's runs are taken
 *                           over by another within this (default 15000; renewed every third of it)
 *   TRAINER_WORKERS         worker threads for the runs (default: cores - 1, at least 1; 0 = all
 *                           runs on the service's own thread, as before the workers)
 *   TRAINER_HOLD_BEFORE_COMMIT_MS  test hook: pause between an iteration's computation and its commit
 * Applies pending migrations (idempotent), prints `trainer: ready` once polling, and on SIGTERM /
 * SIGINT finishes the current pass and exits 0. kill -9 is safe at any moment: each iteration is
 * committed in one transaction, and a restart resumes from the newest checkpoint.
 */
import { z } from 'zod';
import { closeDb, openConfiguredDb, resolveDatabasePath } from '../db/client';
import { migrateDb } from '../db/migrate';
import type { LabelQueuePort } from './service/simulated-annotators';
import { TrainerService } from './service/trainer-service';
import { parseTrainerEngines } from './service/engine-selection';
import { DEFAULT_RUN_LEASE_MS } from '../db/run-leases';
import { defaultWorkerCount } from './service/workers/worker-pool';

const envSchema = z.object({
  DATABASE_PATH: z.string().optional(),
  TRAINER_POLL_MS: z.coerce.number().int().min(10).default(500),
  TRAINER_SIMULATE: z.enum(['0', '1']).default('1'),
  TRAINER_HOLD_BEFORE_COMMIT_MS: z.coerce.number().int().min(0).default(0),
  TRAINER_ID: z.string().trim().min(1).max(100).default('main'),
  TRAINER_LEASE_MS: z.coerce.number().int().min(100).max(3_600_000).default(DEFAULT_RUN_LEASE_MS),
  TRAINER_ENGINES: z.string().optional().transform((value, ctx) => {
    try {
      return parseTrainerEngines(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
  TRAINER_WORKERS: z.coerce.number().int().min(0).max(64).default(defaultWorkerCount),
});

/** Reads the environment, migrates, and polls until SIGTERM / SIGINT; `labelQueue` lets runs in simulation mode answer their queue. */
export async function runTrainerProcess(options: { labelQueue?: LabelQueuePort } = {}): Promise<void> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    console.error(`trainer: invalid environment: ${problems}`);
    process.exit(2);
  }
  const env = parsed.data;
  // DATABASE_URL (postgres://) or the SQLite file at DATABASE_PATH, as the web app.
  const db = openConfiguredDb({ DATABASE_URL: process.env.DATABASE_URL, DATABASE_PATH: env.DATABASE_PATH });
  await migrateDb(db);
  const service = new TrainerService({
    db,
    pollMs: env.TRAINER_POLL_MS,
    simulate: env.TRAINER_SIMULATE === '1',
    holdBeforeCommitMs: env.TRAINER_HOLD_BEFORE_COMMIT_MS || undefined,
    labelQueue: options.labelQueue,
    trainerId: env.TRAINER_ID,
    leaseMs: env.TRAINER_LEASE_MS,
    engines: env.TRAINER_ENGINES,
    workers: env.TRAINER_WORKERS,
  });
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      service.log(`trainer: ${signal} received; finishing the current pass`);
      void service.stop().then(async () => {
        await closeDb(db);
        service.log('trainer: stopped');
        process.exit(0);
      });
    });
  }
  service.start();
  const where = process.env.DATABASE_URL ? 'PostgreSQL at DATABASE_URL' : resolveDatabasePath(env.DATABASE_PATH);
  const threads = env.TRAINER_WORKERS > 0 ? `${env.TRAINER_WORKERS} worker thread${env.TRAINER_WORKERS > 1 ? 's' : ''}` : 'runs on the service thread';
  service.log(`trainer: ready (database ${where}, pid ${process.pid}, ${threads}, trainer ${env.TRAINER_ID}, engines ${env.TRAINER_ENGINES.join(',')}, run leases ${env.TRAINER_LEASE_MS} ms)`);
}

import { defineConfig } from 'vitest/config';
import path from 'node:path';

/**
 * `npm run test:postgres`: the database-facing suites again, each on a fresh database of a real
 * PostgreSQL server (TEST_DATABASE=postgres, tests/helpers/server/postgres.ts). The global setup
 * fails the run, saying where it looked, when no server answers: nothing is skipped quietly.
 */
export const POSTGRES_SUITES = [
  // labeling, idempotency, undo, the queue and its leases (several OS processes on one database)
  'server/routers/label.test.ts',
  'server/queue.concurrency.test.ts',
  'server/routers/campaigns.test.ts',
  'server/routers/quality.test.ts',
  'server/gold.test.ts',
  // label.next / label.submit / the trainer's commits side by side under row locks (db/row-locks.ts)
  'server/row-locks.postgres.test.ts',
  // the role matrix, admin, runs
  'server/roles.test.ts',
  'server/routers/admin.test.ts',
  'server/routers/runs.test.ts',
  // export
  'server/export/export.test.ts',
  'server/export/http.test.ts',
  'server/export/vector-actions.test.ts',
  // the trainer's store, its triggers, exact resume (in process, and after a kill -9 of a trainer
  // process), and the runs on worker threads (each worker its own pool)
  'trainer/service/service.test.ts',
  'trainer/service/exact-resume.test.ts',
  'trainer/service/fault.test.ts',
  'trainer/service/workers/worker-pool.test.ts',
  'trainer/service/gold-retirement.test.ts',
  'trainer/service/queue-target.test.ts',
  'trainer/service/trigger.test.ts',
  // PostgreSQL's own transactions; the trainers' run leases (claim / renew / takeover, SKIP LOCKED)
  'db/transactions.postgres.test.ts',
  'db/run-leases.test.ts',
  'db/run-leases.postgres.test.ts',
  // two web processes and two trainer processes on one database (issue 12)
  'tests/integration/scale-out.test.ts',
];

export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname) } },
  test: {
    include: POSTGRES_SUITES,
    env: { TEST_DATABASE: 'postgres' },
    globalSetup: ['tests/helpers/server/postgres-setup.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});

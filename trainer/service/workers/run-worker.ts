/**
 * A run worker: the body of one worker thread of the pool (worker-pool.ts). It owns the drivers
 * of the runs the pool assigned to it (their learners, tfjs models and query ensembles, on this
 * thread's own tfjs and dense-MLP kernel instances) and its own database connection
 * (db/client.ts openDatabaseAt: on SQLite its own WAL connections with busy_timeout, every write
 * an IMMEDIATE transaction; on PostgreSQL its own small pool). It ticks a run when told to, and
 * sends back the outcome and its log lines. It never decides when a run ticks: the service's
 * thread does (trainer-service.ts), so a run is never ticked twice at once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { closeDb, openDatabaseAt } from '../../../db/client';
import type { FromWorker, ToWorker, WorkerSetup } from './protocol';
import { LocalExecutor } from './run-executor';

const port = parentPort;
if (!port) throw new Error('run-worker.ts is the body of a worker thread (worker-pool.ts starts it), not a script');
const setup = workerData as WorkerSetup;
const send = (message: FromWorker) => port.postMessage(message);
/** A worker runs one tick at a time per run and few runs: a small pool per worker thread. */
const WORKER_POSTGRES_POOL_SIZE = 3;

// Its own connection: a SQLite connection (or a pg pool) is not shared across threads.
const db = openDatabaseAt(setup.database, WORKER_POSTGRES_POOL_SIZE);
const executor = new LocalExecutor(db, {
  log: (line) => send({ type: 'log', line }),
  holdBeforeCommitMs: setup.holdBeforeCommitMs,
  sliceMs: setup.sliceMs,
});

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'tick':
      executor.tick(message.run, message.now, message.lease).then(
        (report) => send({ type: 'tick-done', id: message.id, report }),
        (error: unknown) => {
          const e = error instanceof Error ? error : new Error(String(error));
          send({ type: 'tick-failed', id: message.id, error: { message: e.message, stack: e.stack } });
        },
      );
      break;
    case 'release':
      executor.release(message.runId);
      break;
    case 'close':
      void executor.close().then(async () => {
        await closeDb(db);
        send({ type: 'closed' });
      });
      break;
  }
});

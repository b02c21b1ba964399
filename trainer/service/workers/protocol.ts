/**
 * The messages between the service's thread and a run worker (run-worker.ts, worker-pool.ts).
 * Everything crosses by structured clone: runs are plain rows, errors travel as message + stack.
 */
import type { DatabaseLocation } from '../../../db/client';
import type { Run } from '../../../db/schema';
import type { LeaseToken } from '../../../db/run-leases';
import type { TickReport } from './run-executor';

/** What a worker is started with (its `workerData`). */
export interface WorkerSetup {
  /**
   * The service's database; the worker opens its own connection to it (db/client.ts
   * openDatabaseAt: on SQLite its own WAL connections, on PostgreSQL its own pool).
   */
  database: DatabaseLocation;
  /** Its place in the pool, for log lines. */
  index: number;
  holdBeforeCommitMs?: number;
  sliceMs?: number;
}

export type ToWorker =
  | { type: 'tick'; id: number; run: Run; now: number; lease?: LeaseToken }
  | { type: 'release'; runId: number }
  | { type: 'close' };

export interface SerializedError {
  message: string;
  stack?: string;
}

export type FromWorker =
  | { type: 'log'; line: string }
  | { type: 'tick-done'; id: number; report: TickReport }
  | { type: 'tick-failed'; id: number; error: SerializedError }
  | { type: 'closed' };

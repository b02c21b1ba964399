/**
 * Where a run's driver lives and its ticks run. The service (trainer-service.ts) decides WHEN a
 * run ticks; an executor decides WHERE: `LocalExecutor` on the calling thread (the service's own
 * thread when it has no workers; inside each worker thread otherwise), `WorkerPool`
 * (worker-pool.ts) on one of its worker threads.
 */
import { threadId } from 'node:worker_threads';
import type { Db } from '../../../db/client';
import type { Run } from '../../../db/schema';
import type { LeaseToken } from '../../../db/run-leases';
import type { DriverOptions, RunDriver, TickOutcome } from '../run-driver';

/** One tick's outcome and where and when it ran (span in epoch ms, comparable across threads). */
export interface TickReport {
  outcome: TickOutcome;
  startedAt: number;
  endedAt: number;
  /** node:worker_threads `threadId` of the thread that ran it (0: the main thread). */
  threadId: number;
}

export interface RunExecutor {
  /** Ticks the run with its driver (built on first use); rejects with the driver's error. */
  /** `lease`: the run lease the service holds; the tick's commits check it (run-driver.ts). */
  tick(run: Run, now: number, lease?: LeaseToken): Promise<TickReport>;
  /** The runs that hold a driver here (their tfjs models, learner, query ensemble). */
  heldRuns(): number[];
  /** Gives the run's driver back; the caller guarantees none of its ticks is in flight. */
  release(runId: number): void;
  /** Gives every driver back (and, for a pool, stops its threads); no tick may be in flight. */
  close(): Promise<void>;
}

/** Epoch milliseconds with sub-millisecond resolution, on the same clock in every thread. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** Drivers on the calling thread, one per run, over the database connection `db`. */
export class LocalExecutor implements RunExecutor {
  private readonly drivers = new Map<number, RunDriver<unknown>>();

  constructor(private readonly db: Db, private readonly options: DriverOptions) {}

  async tick(run: Run, now: number, lease?: LeaseToken): Promise<TickReport> {
    const startedAt = epochNow();
    let driver = this.drivers.get(run.id);
    if (!driver) {
      // Loaded on first use: the engines bring tfjs, which a service whose runs live on workers
      // never needs on its own thread.
      const { driverForEnv } = await import('../engines');
      driver = await driverForEnv(this.db, run.id, run.envId, this.options);
      this.drivers.set(run.id, driver);
    }
    const outcome = await driver.tick(run, now, lease);
    return { outcome, startedAt, endedAt: epochNow(), threadId };
  }

  /** The run's driver (tests inspect its learner); undefined before its first tick. */
  driverFor(runId: number): RunDriver<unknown> | undefined {
    return this.drivers.get(runId);
  }

  heldRuns(): number[] {
    return [...this.drivers.keys()];
  }

  release(runId: number): void {
    this.drivers.get(runId)?.dispose();
    this.drivers.delete(runId);
  }

  async close(): Promise<void> {
    for (const driver of this.drivers.values()) driver.dispose();
    this.drivers.clear();
  }
}

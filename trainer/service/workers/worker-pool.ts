/**
 * Runs on worker threads: the second core (and more) for the trainer service. Each run is
 * assigned to one worker (the one with the fewest runs, when it first ticks) and stays there:
 * that worker holds its driver (learner, tfjs models, query ensemble) between ticks, so a
 * neural iteration of one run computes in parallel with another run's on another worker, while
 * the service's thread keeps the heartbeat, run discovery, the simulated annotators and the log.
 *
 * A worker that dies (an uncaught error, or terminated) is logged; its ticks in flight fail,
 * and its runs are unassigned: their next tick goes to a live (or fresh) worker, whose driver
 * resumes from the newest committed checkpoint, exactly as a restarted trainer does (an
 * iteration is committed in one transaction or not at all, run-driver.ts). See
 * trainer/service/README.md, "How runs are scheduled".
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { DatabaseLocation } from '../../../db/client';
import type { Run } from '../../../db/schema';
import type { LeaseToken } from '../../../db/run-leases';
import type { FromWorker, ToWorker, WorkerSetup } from './protocol';
import type { RunExecutor, TickReport } from './run-executor';
import { startTypeScriptWorker } from './start-worker';

/** One worker per core, less the service's own thread; at least one. */
export function defaultWorkerCount(): number {
  return Math.max(1, os.availableParallelism() - 1);
}

export interface WorkerPoolOptions {
  /** The database each worker opens its own connection to (db/client.ts locationOf). */
  database: DatabaseLocation;
  size: number;
  log: (line: string) => void;
  holdBeforeCommitMs?: number;
  sliceMs?: number;
}

interface Slot {
  index: number;
  worker: Worker | null;
  threadId: number;
  runs: Set<number>;
  /** The uncaught error that ended the worker, reported with its exit. */
  error: Error | null;
  /** Resolved when the worker has exited (close, crash or terminate). */
  exited: Promise<void>;
  onClosed: (() => void) | null;
  /** Crashes since the worker last answered a tick, and when it may start again (epoch ms). */
  crashes: number;
  restartAt: number;
}

interface PendingTick {
  runId: number;
  slot: Slot;
  resolve: (report: TickReport) => void;
  reject: (error: Error) => void;
}

const WORKER_URL = new URL('./run-worker.ts', import.meta.url);
/** How long close() waits for a worker to give its drivers back before terminating it. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * How long a worker that crashed `crashes` times in a row without answering a tick waits before
 * it starts again: at once after one crash (a killed worker's runs go on at their next tick), then
 * 0.5 s doubling to 30 s, so a worker that cannot start (a database it cannot open, a bad build)
 * does not restart and log its failure at every pass.
 */
export function restartDelayMs(crashes: number): number {
  return crashes <= 1 ? 0 : Math.min(30_000, 500 * 2 ** (crashes - 2));
}

export class WorkerPool implements RunExecutor {
  private readonly slots: Slot[];
  private readonly assignment = new Map<number, Slot>();
  private readonly pending = new Map<number, PendingTick>();
  private nextTickId = 1;
  private closing = false;

  constructor(private readonly options: WorkerPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new Error(`a worker pool needs at least one worker, got ${options.size}`);
    this.slots = Array.from({ length: options.size }, (_, index) => ({
      index, worker: null, threadId: -1, runs: new Set<number>(), error: null, exited: Promise.resolve(), onClosed: null, crashes: 0, restartAt: 0,
    }));
  }

  get size(): number {
    return this.slots.length;
  }

  tick(run: Run, now: number, lease?: LeaseToken): Promise<TickReport> {
    if (this.closing) return Promise.reject(new Error('the worker pool is closing'));
    const slot = this.slotFor(run.id);
    if (!slot.worker && Date.now() < slot.restartAt) {
      this.release(run.id);
      return Promise.reject(new Error(`trainer worker ${slot.index} crashed ${slot.crashes} times in a row; it starts again at ${new Date(slot.restartAt).toISOString()}`));
    }
    const worker = this.workerOf(slot);
    return new Promise<TickReport>((resolve, reject) => {
      const id = this.nextTickId++;
      this.pending.set(id, { runId: run.id, slot, resolve, reject });
      worker.postMessage({ type: 'tick', id, run, now, lease } satisfies ToWorker);
    });
  }

  heldRuns(): number[] {
    return [...this.assignment.keys()];
  }

  release(runId: number): void {
    const slot = this.assignment.get(runId);
    if (!slot) return;
    this.assignment.delete(runId);
    slot.runs.delete(runId);
    slot.worker?.postMessage({ type: 'release', runId } satisfies ToWorker);
  }

  /**
   * Each worker gives its drivers back and closes its connection; then the threads end. The pool
   * can be used again afterwards (a service started after stop()): its next tick starts a worker.
   */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map(async (slot) => {
      const worker = slot.worker;
      if (!worker) return;
      const closed = new Promise<void>((resolve) => { slot.onClosed = resolve; });
      worker.postMessage({ type: 'close' } satisfies ToWorker);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, CLOSE_TIMEOUT_MS); });
      await Promise.race([closed, slot.exited, timeout]);
      clearTimeout(timer);
      await worker.terminate();
      await slot.exited;
    }));
    this.assignment.clear();
    this.closing = false;
  }

  /** The thread a run's driver lives on (tests, bench); undefined while unassigned. */
  threadOf(runId: number): number | undefined {
    const slot = this.assignment.get(runId);
    return slot?.worker ? slot.threadId : undefined;
  }

  /** Live worker threads. */
  liveWorkers(): number {
    return this.slots.filter((s) => s.worker !== null).length;
  }

  /** Test hook: kills the worker holding the run (as a crash would) and waits until the pool has noticed. */
  async terminateWorkerOf(runId: number): Promise<void> {
    const slot = this.assignment.get(runId);
    if (!slot?.worker) throw new Error(`run ${runId} is on no worker`);
    await slot.worker.terminate();
    await slot.exited;
  }

  /** The run's worker; a new run goes to the worker with the fewest runs (the first such) among those not waiting to restart. */
  private slotFor(runId: number): Slot {
    const assigned = this.assignment.get(runId);
    if (assigned) return assigned;
    const now = Date.now(), ready = this.slots.filter((s) => s.worker !== null || s.restartAt <= now);
    const slot = (ready.length > 0 ? ready : this.slots).reduce((best, s) => (s.runs.size < best.runs.size ? s : best));
    slot.runs.add(runId);
    this.assignment.set(runId, slot);
    return slot;
  }

  private workerOf(slot: Slot): Worker {
    if (slot.worker) return slot.worker;
    const setup: WorkerSetup = {
      database: this.options.database, index: slot.index,
      holdBeforeCommitMs: this.options.holdBeforeCommitMs, sliceMs: this.options.sliceMs,
    };
    const worker = startTypeScriptWorker(WORKER_URL, setup);
    slot.worker = worker;
    slot.threadId = worker.threadId;
    slot.error = null;
    slot.exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        this.onExit(slot, worker, code);
        resolve();
      });
    });
    worker.on('message', (message: FromWorker) => this.onMessage(slot, message));
    worker.on('error', (error) => { slot.error = error; });
    return worker;
  }

  private onMessage(slot: Slot, message: FromWorker): void {
    switch (message.type) {
      case 'log':
        this.options.log(message.line);
        break;
      case 'tick-done':
      case 'tick-failed': {
        slot.crashes = 0; // it started and works
        const tick = this.pending.get(message.id);
        if (!tick) return;
        this.pending.delete(message.id);
        if (message.type === 'tick-done') tick.resolve(message.report);
        else tick.reject(Object.assign(new Error(message.error.message), { stack: message.error.stack }));
        break;
      }
      case 'closed':
        slot.onClosed?.();
        break;
    }
  }

  /** A worker ended: on close, nothing to do; otherwise a crash, and its runs move on. */
  private onExit(slot: Slot, worker: Worker, code: number): void {
    if (slot.worker !== worker) return;
    slot.worker = null;
    const runs = [...slot.runs];
    for (const runId of runs) this.assignment.delete(runId);
    slot.runs.clear();
    const why = `exit code ${code}${slot.error ? `: ${slot.error.stack ?? slot.error.message}` : ''}`;
    for (const [id, tick] of this.pending) {
      if (tick.slot !== slot) continue;
      this.pending.delete(id);
      tick.reject(new Error(`trainer worker ${slot.index} (thread ${slot.threadId}) ended during the tick (${why}); the run resumes from its newest checkpoint`));
    }
    if (this.closing) return;
    slot.crashes++;
    slot.restartAt = Date.now() + restartDelayMs(slot.crashes);
    this.options.log(`trainer worker=${slot.index} thread=${slot.threadId} ended unexpectedly (${why}); `
      + `${runs.length > 0 ? `runs ${runs.join(', ')} resume from their newest checkpoints at their next tick` : 'it held no run'}`);
  }
}

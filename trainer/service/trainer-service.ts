/**
 * The trainer service: polls the database for active runs and drives each one (the one
 * RunDriver over its env's engine, engines.ts), plus the scripted annotators of runs in
 * simulation mode. Runs are ticked independently: each pass starts a tick for every active run
 * that has none in flight and does not wait for them. Where the drivers live is the executor's
 * business (workers/): with `workers` >= 1 each run is assigned to a worker thread, so two neural
 * iterations compute in parallel; with none, on this thread, where a neural iteration (seconds,
 * computed in slices that yield to the event loop) still never holds up the other runs or the
 * annotators. This thread keeps the heartbeat, run discovery, the annotators and the log.
 * stop() waits for every tick in flight (an iteration is never abandoned between its
 * computation and its commit; a kill -9 at any moment is covered by the one-transaction
 * commit). See the README, "How runs are scheduled".
 */
import { locationOf, sqliteClientOf, type Db } from '../../db/client';
import { HEARTBEAT_MS, markTrainerStopped, writeHeartbeat } from '../../db/heartbeat';
import type { Run } from '../../db/schema';
import { recordRunError, listActiveRuns } from './store';
import { resolveRunConfig, type SimulateConfig } from '../contracts/run-config';
import type { RunDriver, TickOutcome } from './run-driver';
import { SimulatedAnnotators, type LabelQueuePort } from './simulated-annotators';
import { runBudgetIssues } from '../contracts/run-budget';
import { DEFAULT_RUN_LEASE_MS } from '../../db/run-leases';
import { RunLeaseKeeper } from './run-lease-keeper';
import { ENGINE_KINDS, engineKindForEnv, type EngineKind } from './engine-selection';
import { LocalExecutor, type RunExecutor, type TickReport } from './workers/run-executor';
import { WorkerPool } from './workers/worker-pool';

/** A run's outcome in one pass: its tick's, 'error', or 'busy' (its previous tick was still in flight). */
export type PassOutcome = TickOutcome | 'error' | 'busy';

export interface TrainerServiceOptions {
  db: Db;
  /** Pause between passes over the runs (ms). */
  pollMs?: number;
  log?: (line: string) => void;
  /** Test hook, see DriverOptions.holdBeforeCommitMs. */
  holdBeforeCommitMs?: number;
  /** Start scripted annotators for runs whose config has `simulate` (default true; needs `labelQueue`). */
  simulate?: boolean;
  /** How scripted annotators reach the labeling queue (the composition root injects the web server's: scripts/trainer-port.ts). */
  labelQueue?: LabelQueuePort;
  /** Neural runs: longest compute between two yields to the event loop (ms; default 50; Infinity = never). */
  sliceMs?: number;
  /** Name of this trainer's heartbeat row (TRAINER_ID; default 'main'). */
  trainerId?: string;
  /** Between two heartbeats (ms; default db/heartbeat.ts HEARTBEAT_MS). */
  heartbeatMs?: number;
  /** How long this trainer's run leases last without renewal (TRAINER_LEASE_MS; default db/run-leases.ts DEFAULT_RUN_LEASE_MS). */
  leaseMs?: number;
  /** The engine kinds this trainer takes (TRAINER_ENGINES; default all): it claims runs of those only. */
  engines?: readonly EngineKind[];
  /**
   * Worker threads for the runs' drivers (TRAINER_WORKERS; trainer/service.ts defaults it to
   * workers/worker-pool.ts defaultWorkerCount()). 0 or unset: every driver on this thread.
   */
  workers?: number;
  /** Called after each tick that completed, with where and when it ran (tests, bench). */
  onTick?: (runId: number, report: TickReport) => void;
}

export class TrainerService {
  /** Where the drivers live: this thread, or a pool of worker threads (`workers`). */
  private readonly executor: RunExecutor;
  /** The pool, when the drivers live on workers (tests and the bench inspect it). */
  readonly pool: WorkerPool | null;
  private readonly simulators = new Map<number, SimulatedAnnotators>();
  private readonly lastErrors = new Map<number, string>();
  private readonly warnedNoQueue = new Set<number>();
  /** The tick of each run that has one in flight: a run is never ticked twice at once. */
  private readonly inFlight = new Map<number, Promise<TickOutcome | 'error'>>();
  private stopping = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  /** The runs this process holds (run leases in the database): it ticks only those. */
  readonly leases: RunLeaseKeeper;
  private readonly engines: readonly EngineKind[];
  private readonly startedAt = Date.now();
  private activeRuns = 0;
  readonly log: (line: string) => void;

  constructor(private readonly options: TrainerServiceOptions) {
    this.log = options.log ?? ((line) => console.log(`${new Date().toISOString()} ${line}`));
    const driverOptions = { log: this.log, holdBeforeCommitMs: options.holdBeforeCommitMs, sliceMs: options.sliceMs };
    if (options.workers !== undefined && options.workers > 0) {
      const database = locationOf(options.db);
      if (database.dialect === 'sqlite' && sqliteClientOf(options.db).memory) throw new Error('trainer workers open the database themselves: give the service a database file, not :memory:');
      this.pool = new WorkerPool({ ...driverOptions, database, size: options.workers });
      this.executor = this.pool;
    } else {
      this.pool = null;
      this.executor = new LocalExecutor(options.db, driverOptions);
    }
    this.engines = options.engines ?? ENGINE_KINDS;
    const engines = new Set(this.engines);
    this.leases = new RunLeaseKeeper({
      db: options.db, holderId: this.trainerId, leaseMs: options.leaseMs ?? DEFAULT_RUN_LEASE_MS, log: this.log,
      takes: (run) => engines.has(engineKindForEnv(run.envId)),
    });
  }

  /** Starts polling in the background; resolves once the loop is running. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    void this.beat();
    // Its own timer, not the pass loop: a pass that waits on a busy database still beats.
    this.heartbeat = setInterval(() => void this.beat(), this.options.heartbeatMs ?? HEARTBEAT_MS);
    this.loop = this.run();
  }

  private get trainerId(): string {
    return this.options.trainerId ?? 'main';
  }

  /** One heartbeat row (db/heartbeat.ts); a failed write is logged, never fatal. */
  private async beat(): Promise<void> {
    try {
      await writeHeartbeat(this.options.db, {
        trainerId: this.trainerId, pid: process.pid, startedAt: this.startedAt, now: Date.now(), activeRuns: this.activeRuns,
        engines: this.engines, heldRuns: this.leases.heldRunIds().length,
      });
    } catch (error) {
      this.log(`trainer heartbeat failed: ${(error as Error).message}`);
    }
  }

  /** Starts no more ticks, waits for every tick in flight to commit (or fail), stops the simulated annotators, gives the run leases back. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const wasRunning = this.loop !== null;
    await this.loop;
    this.loop = null;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    // A tick may finish while another is still in flight: wait until none is left.
    while (this.inFlight.size > 0) await Promise.all(this.inFlight.values());
    try {
      await this.leases.releaseAll(Date.now());
    } catch (error) {
      this.log(`trainer: could not give the run leases back (they expire by themselves): ${(error as Error).message}`);
    }
    await Promise.all([...this.simulators.values()].map((s) => s.stop()));
    this.simulators.clear();
    await this.executor.close();
    if (wasRunning) {
      try {
        await markTrainerStopped(this.options.db, this.trainerId, Date.now());
      } catch (error) {
        this.log(`trainer: could not record the shutdown: ${(error as Error).message}`);
      }
    }
  }

  /** The driver of a run (tests and the bench inspect it); undefined before its first tick, and always with workers (it lives on one). */
  driverFor(runId: number): RunDriver<unknown> | undefined {
    return this.executor instanceof LocalExecutor ? this.executor.driverFor(runId) : undefined;
  }

  /** Whether a tick of the run is in flight (tests, bench). */
  isBusy(runId: number): boolean {
    return this.inFlight.has(runId);
  }

  /**
   * One pass over the active runs that waits for the ticks it started and returns each run's
   * outcome (tests drive the loop with this); a run whose tick (started by the background loop)
   * is still in flight is 'busy'.
   */
  async runOnce(now: number = Date.now()): Promise<Map<number, PassOutcome>> {
    const started = await this.startPass(now);
    const outcomes = new Map<number, PassOutcome>();
    for (const [runId, tick] of started) outcomes.set(runId, tick === 'busy' ? 'busy' : await tick);
    return outcomes;
  }

  /**
   * Starts a tick for every active run without one in flight, and returns at once: the ticks
   * run concurrently (on the workers, or on this thread, where a neural tick yields between
   * slices of its compute).
   */
  private async startPass(now: number): Promise<Map<number, Promise<TickOutcome | 'error'> | 'busy'>> {
    const started = new Map<number, Promise<TickOutcome | 'error'> | 'busy'>();
    const active = await listActiveRuns(this.options.db);
    this.activeRuns = active.length;
    // Only the runs this process holds a lease on (the others belong to other trainers, or to none
    // of its engines). Leases run on the wall clock, whatever `now` a test gives the pass.
    const held = await this.leases.sync(active, Date.now(), (runId) => this.inFlight.has(runId));
    this.releaseInactive(held);
    await this.syncSimulators(held);
    for (const run of held) {
      if (this.stopping) break;
      if (this.inFlight.has(run.id)) {
        started.set(run.id, 'busy');
        continue;
      }
      const tick = this.tickRun(run, now).finally(() => {
        if (this.inFlight.get(run.id) === tick) this.inFlight.delete(run.id);
      });
      this.inFlight.set(run.id, tick);
      started.set(run.id, tick);
    }
    return started;
  }

  /**
   * Paused and stopped runs give their driver back: a neural engine holds tfjs models, and a
   * long-running service must not keep them for runs nobody trains. A resumed run is rebuilt
   * from its newest checkpoint, as after a restart.
   */
  private releaseInactive(active: readonly Run[]): void {
    const ids = new Set(active.map((r) => r.id));
    for (const runId of this.executor.heldRuns()) {
      // A run paused during its iteration keeps its driver until the tick ends (a later pass releases it).
      if (ids.has(runId) || this.inFlight.has(runId)) continue;
      this.executor.release(runId);
    }
  }

  /**
   * A run stored before run-budget.ts's limits (or written by hand) may imply more memory or
   * work than one trainer for every run can give: it is refused with the reason on the run,
   * instead of taking the process down (runs.create refuses such settings up front).
   */
  private async overBudget(run: Run, now: number): Promise<boolean> {
    let issues;
    try {
      issues = runBudgetIssues({ envId: run.envId, labelBatchSize: run.labelBatchSize, config: resolveRunConfig(run.envId, run.config) });
    } catch {
      return false; // an invalid config: the driver reports it
    }
    if (issues.length === 0) return false;
    const message = `run settings exceed the trainer's limits: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
    if (this.lastErrors.get(run.id) !== message) {
      this.lastErrors.set(run.id, message);
      this.log(`trainer run=${run.id} cannot train: ${message}`);
      await recordRunError(this.options.db, run.id, message, now);
    }
    return true;
  }

  private async tickRun(run: Run, now: number): Promise<TickOutcome | 'error'> {
    try {
      if (await this.overBudget(run, now)) return 'blocked';
      const report = await this.executor.tick(run, now, this.leases.leaseOf(run.id));
      this.options.onTick?.(run.id, report);
      return report.outcome;
    } catch (error) {
      // A busy database or a bug in one run must not stop the others: log, retry next pass.
      // The same failure repeating (e.g. a diverged reward) is logged and reported once.
      const message = error instanceof Error ? error.message : String(error);
      if (this.lastErrors.get(run.id) !== message) {
        this.lastErrors.set(run.id, message);
        // A driver's "Failed query" error carries the database's reason as its cause.
        const cause = (error as { cause?: unknown }).cause;
        this.log(`trainer run=${run.id} error: ${(error as Error).stack ?? message}${cause instanceof Error ? `\ncaused by: ${cause.message}` : ''}`);
        try {
          await recordRunError(this.options.db, run.id, `trainer: ${message}`, now);
        } catch {
          // The database itself is failing; the log line above is all we can do.
        }
      }
      return 'error';
    }
  }

  private async syncSimulators(active: readonly Run[]): Promise<void> {
    if (this.options.simulate === false) return;
    const queue = this.options.labelQueue;
    const wanted = new Map<number, { run: Run; seed: number; config: SimulateConfig }>();
    for (const run of active) {
      try {
        const config = resolveRunConfig(run.envId, run.config);
        if (config.simulate) wanted.set(run.id, { run, seed: config.seed, config: config.simulate });
      } catch {
        // The driver reports a bad config on the run.
      }
    }
    for (const [runId, sim] of this.simulators) {
      if (!wanted.has(runId)) {
        await sim.stop();
        this.simulators.delete(runId);
      }
    }
    for (const [runId, { seed, config }] of wanted) {
      if (this.simulators.has(runId)) continue;
      if (!queue) {
        if (!this.warnedNoQueue.has(runId)) this.log(`trainer run=${runId} simulation: no label queue was given to this service (scripts/trainer.ts gives one); no scripted annotators`);
        this.warnedNoQueue.add(runId);
        continue;
      }
      const sim = new SimulatedAnnotators(this.options.db, runId, config, seed, this.log, queue);
      this.simulators.set(runId, sim);
      await sim.start();
    }
  }

  private async run(): Promise<void> {
    const pollMs = this.options.pollMs ?? 500;
    while (!this.stopping) {
      try {
        // Not awaiting the ticks: a run still computing is skipped by the next passes, the others go on.
        await this.startPass(Date.now());
      } catch (error) {
        this.log(`trainer pass failed: ${(error as Error).stack ?? String(error)}`);
      }
      if (this.stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }
}

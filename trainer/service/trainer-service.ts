/**
 * The trainer service: polls the database for active runs and drives each one (tabular runs
 * through TabularRunDriver, runs on neural envs through NeuralRunDriver), plus the scripted
 * annotators of runs in simulation mode. Single
 * threaded: a pass over the runs finishes before the next starts, and stop() lets the current
 * pass finish (an iteration is never abandoned between its computation and its commit, and a
 * kill -9 at any moment is covered by the one-transaction commit).
 */
import type { Db } from '../../db/client';
import type { Run } from '../../db/schema';
import { recordRunError, listActiveRuns } from './store';
import { resolveRunConfig, type SimulateConfig } from './run-config';
import { NeuralRunDriver } from './neural-run';
import { SimulatedAnnotators } from './simulated-annotators';
import { TabularRunDriver, type TickOutcome } from './tabular-run';
import { isTabularEnv } from './tabular-engine';

/** What drives one run: the tabular or the neural engine, same contract. */
export type RunDriver = TabularRunDriver | NeuralRunDriver;

export interface TrainerServiceOptions {
  db: Db;
  /** Pause between passes over the runs (ms). */
  pollMs?: number;
  log?: (line: string) => void;
  /** Test hook, see DriverOptions.holdBeforeCommitMs. */
  holdBeforeCommitMs?: number;
  /** Start scripted annotators for runs whose config has `simulate` (default true). */
  simulate?: boolean;
}

export class TrainerService {
  private readonly drivers = new Map<number, RunDriver>();
  private readonly simulators = new Map<number, SimulatedAnnotators>();
  private readonly lastErrors = new Map<number, string>();
  private stopping = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  readonly log: (line: string) => void;

  constructor(private readonly options: TrainerServiceOptions) {
    this.log = options.log ?? ((line) => console.log(`${new Date().toISOString()} ${line}`));
  }

  /** Starts polling in the background; resolves once the loop is running. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Finishes the current pass, stops the simulated annotators and returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
    await Promise.all([...this.simulators.values()].map((s) => s.stop()));
    this.simulators.clear();
    for (const driver of this.drivers.values()) if (driver instanceof NeuralRunDriver) driver.dispose();
    this.drivers.clear();
  }

  /** The driver of a run (tests and the bench inspect it); undefined before its first tick. */
  driverFor(runId: number): RunDriver | undefined {
    return this.drivers.get(runId);
  }

  /** One pass over the active runs; returns each run's outcome (tests drive the loop with this). */
  async runOnce(now: number = Date.now()): Promise<Map<number, TickOutcome | 'error'>> {
    const outcomes = new Map<number, TickOutcome | 'error'>();
    const active = listActiveRuns(this.options.db);
    this.releaseInactive(active);
    await this.syncSimulators(active);
    for (const run of active) {
      if (this.stopping) break;
      outcomes.set(run.id, await this.tickRun(run, now));
    }
    return outcomes;
  }

  /**
   * Paused and stopped runs give their driver back: a neural driver holds tfjs models, and a
   * long-running service must not keep them for runs nobody trains. A resumed run is rebuilt
   * from its newest checkpoint, as after a restart.
   */
  private releaseInactive(active: readonly Run[]): void {
    const ids = new Set(active.map((r) => r.id));
    for (const [runId, driver] of this.drivers) {
      if (ids.has(runId)) continue;
      if (driver instanceof NeuralRunDriver) driver.dispose();
      this.drivers.delete(runId);
    }
  }

  private async tickRun(run: Run, now: number): Promise<TickOutcome | 'error'> {
    try {
      let driver = this.drivers.get(run.id);
      if (!driver) {
        const options = { log: this.log, holdBeforeCommitMs: this.options.holdBeforeCommitMs };
        driver = isTabularEnv(run.envId) ? new TabularRunDriver(this.options.db, run.id, options) : new NeuralRunDriver(this.options.db, run.id, options);
        this.drivers.set(run.id, driver);
      }
      return await driver.tick(run, now);
    } catch (error) {
      // A busy database or a bug in one run must not stop the others: log, retry next pass.
      // The same failure repeating (e.g. a diverged reward) is logged and reported once.
      const message = error instanceof Error ? error.message : String(error);
      if (this.lastErrors.get(run.id) !== message) {
        this.lastErrors.set(run.id, message);
        this.log(`trainer run=${run.id} error: ${(error as Error).stack ?? message}`);
        try {
          recordRunError(this.options.db, run.id, `trainer: ${message}`, now);
        } catch {
          // The database itself is failing; the log line above is all we can do.
        }
      }
      return 'error';
    }
  }

  private async syncSimulators(active: readonly Run[]): Promise<void> {
    if (this.options.simulate === false) return;
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
      const sim = new SimulatedAnnotators(this.options.db, runId, config, seed, this.log);
      this.simulators.set(runId, sim);
      await sim.start();
    }
  }

  private async run(): Promise<void> {
    const pollMs = this.options.pollMs ?? 500;
    while (!this.stopping) {
      try {
        await this.runOnce();
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

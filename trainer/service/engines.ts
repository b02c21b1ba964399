/**
 * Which engine trains a run: the tabular one on envs with an exact transition model, the neural
 * one elsewhere. The one place the service chooses; adding an engine is a line here and a class
 * implementing Engine (engine.ts; trainer/README.md walks through it).
 */
import { isTabularEnv } from '../contracts/algorithms';
import { RunDriver, type DriverOptions } from './run-driver';
import { TabularEngine } from './tabular-run';
import type { Db } from '../../db/client';

/**
 * A driver for the run on its env's engine (a new engine per run: it holds the run's query
 * ensemble and demand). The neural engine is imported on the first neural run only: it loads
 * tfjs and its wasm backend, seconds of a trainer (re)start that a tabular-only service never needs.
 */
export async function driverForEnv(db: Db, runId: number, envId: string, options: DriverOptions): Promise<RunDriver<unknown>> {
  const engine = isTabularEnv(envId) ? new TabularEngine() : new (await import('./neural-run')).NeuralEngine();
  return new RunDriver(db, runId, engine as never, options);
}

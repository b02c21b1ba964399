/**
 * Which engine trains a run: the tabular one on envs with an exact transition model, the
 * continuous one (SAC below) on continuous-action envs, the neural one elsewhere. The one place the service chooses; adding an engine is a line here and a class
 * implementing Engine (engine.ts; trainer/README.md walks through it).
 */
import { isContinuousEnvId, isTabularEnv } from '../contracts/algorithms';
import { ContinuousEngine } from './continuous-run';
import { NeuralEngine } from './neural-run';
import { RunDriver, type DriverOptions } from './run-driver';
import { TabularEngine } from './tabular-run';
import type { Db } from '../../db/client';

/** A driver for the run on its env's engine (a new engine per run: it holds the run's query ensemble and demand). */
export function driverForEnv(db: Db, runId: number, envId: string, options: DriverOptions): RunDriver<unknown> {
  const engine = isTabularEnv(envId) ? new TabularEngine() : isContinuousEnvId(envId) ? new ContinuousEngine() : new NeuralEngine();
  return new RunDriver(db, runId, engine as never, options);
}

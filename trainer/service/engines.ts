/**
 * The engine that trains a run, of the kind engine.ts's `engineKindForEnv` gives its env (the one
 * place an env gets its engine; simulate builds the same kinds in simulate/load-engine.ts). Adding
 * an engine is a kind there, a line here and a class implementing Engine (trainer/README.md).
 */
import { engineKindForEnv, type Engine, type EngineKind } from './engine';
import { ContinuousEngine } from './continuous-run';
import { NeuralEngine } from './neural-run';
import { RunDriver, type DriverOptions } from './run-driver';
import { TabularEngine } from './tabular-run';
import type { Db } from '../../db/client';

const ENGINES: Readonly<Record<EngineKind, () => Engine<unknown>>> = {
  tabular: () => new TabularEngine(),
  neural: () => new NeuralEngine(),
  continuous: () => new ContinuousEngine() as Engine<unknown>,
};

/** A driver for the run on its env's engine (a new engine per run: it holds the run's query ensemble and demand). */
export function driverForEnv(db: Db, runId: number, envId: string, options: DriverOptions): RunDriver<unknown> {
  return new RunDriver(db, runId, ENGINES[engineKindForEnv(envId)](), options);
}

/**
 * The engine that trains a run, of the kind engine.ts's `engineKindForEnv` gives its env (the one
 * place an env gets its engine; simulate builds the same kinds in simulate/load-engine.ts). Adding
 * an engine is a kind there, a line here and a class implementing Engine (trainer/README.md).
 */
import { engineKindForEnv, type Engine, type EngineKind } from './engine';
import { RunDriver, type DriverOptions } from './run-driver';
import { TabularEngine } from './tabular-run';
import type { Db } from '../../db/client';

/**
 * Engine factories by kind. The neural and continuous engines are imported on their first run only: they load
 * tfjs / the kernel and MuJoCo, seconds of a trainer (re)start that a tabular-only service never needs.
 */
const ENGINES: Readonly<Record<EngineKind, () => Promise<Engine<unknown>>>> = {
  tabular: async () => new TabularEngine(),
  neural: async () => new (await import('./neural-run')).NeuralEngine(),
  continuous: async () => new (await import('./continuous-run')).ContinuousEngine() as Engine<unknown>,
};

/** A driver for the run on its env's engine (a new engine per run: it holds the run's query ensemble and demand). */
export async function driverForEnv(db: Db, runId: number, envId: string, options: DriverOptions): Promise<RunDriver<unknown>> {
  return new RunDriver(db, runId, await ENGINES[engineKindForEnv(envId)](), options);
}

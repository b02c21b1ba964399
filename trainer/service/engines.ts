/**
 * The engine that trains a run, of the kind engine.ts's `engineKindForEnv` gives its env (the one
 * place an env gets its engine), built by engine-factory.ts (which simulate uses too). Adding an
 * engine is a kind there, a factory line in engine-factory.ts and a class implementing Engine
 * (trainer/README.md).
 */
import { createEngine } from './engine-factory';
import { RunDriver, type DriverOptions } from './run-driver';
import type { Db } from '../../db/client';

/** A driver for the run on its env's engine (a new engine per run: it holds the run's query ensemble and demand). */
export async function driverForEnv(db: Db, runId: number, envId: string, options: DriverOptions): Promise<RunDriver<unknown>> {
  return new RunDriver(db, runId, await createEngine(envId), options);
}

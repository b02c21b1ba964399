/**
 * The engine of each kind, built on demand: the one factory the service (engines.ts) and
 * `simulate` (simulate/load-engine.ts) share. The neural and continuous engines are imported on
 * their first use: they bring tfjs / the kernel and MuJoCo, seconds of start-up that a
 * tabular-only trainer or simulation never needs. No database here.
 */
import type { NeuralRunConfig } from '../algorithms/neural/run-config';
import type { ContinuousSchedule } from '../algorithms/continuous/run-config';
import { engineKindForEnv, type Engine, type EngineKind } from './engine';
import { TabularEngine } from './tabular-run';

export interface EngineOptions {
  /** The neural engine's schedule (default: the service's, DEFAULT_NEURAL_RUN without the greedy evaluation). */
  neuralSchedule?: NeuralRunConfig;
  /** The continuous engine's schedule (default: the env's, envContinuousSchedule in algorithms/continuous/run-config.ts). */
  continuousSchedule?: ContinuousSchedule;
}

const FACTORIES: Readonly<Record<EngineKind, (options: EngineOptions) => Promise<Engine<unknown>>>> = {
  tabular: async () => new TabularEngine(),
  neural: async (options) => new (await import('./neural-run')).NeuralEngine({ schedule: options.neuralSchedule }),
  continuous: async (options) => new (await import('./continuous-run')).ContinuousEngine({ schedule: options.continuousSchedule }) as Engine<unknown>,
};

/** A new engine of the kind `engineKindForEnv` gives the env (a new one per run: it holds the run's own state). */
export function createEngine(envId: string, options: EngineOptions = {}): Promise<Engine<unknown>> {
  return FACTORIES[engineKindForEnv(envId)](options);
}

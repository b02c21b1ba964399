/**
 * The engine `simulate()` runs on an env: the service's own (trainer/service/engine.ts says which
 * kind an env gets), loaded on demand because the neural one brings tfjs (seconds of start-up a
 * tabular simulation does not need).
 */
import type { NeuralRunConfig } from '../algorithms/neural/run-config';
import type { ContinuousSchedule } from '../algorithms/continuous/run-config';
import { engineKindForEnv, type Engine, type EngineKind } from '../service/engine';

export interface SimulationEngineOptions {
  /** The neural engine's schedule (default DEFAULT_NEURAL_RUN; tests pass a tiny one). */
  neuralSchedule?: NeuralRunConfig;
  /** The continuous engine's schedule (default DEFAULT_CONTINUOUS_SCHEDULE). */
  continuousSchedule?: ContinuousSchedule;
}

const LOADERS: Readonly<Record<EngineKind, (options: SimulationEngineOptions) => Promise<Engine<unknown>>>> = {
  tabular: async () => new (await import('../service/tabular-run')).TabularEngine(),
  neural: async (options) => {
    const [{ NeuralEngine }, { DEFAULT_NEURAL_RUN }] = await Promise.all([import('../service/neural-run'), import('../algorithms/neural/run-config')]);
    // DEFAULT_NEURAL_RUN with its greedy evaluation ('return/greedy'; the service's default leaves it out).
    return new NeuralEngine({ schedule: options.neuralSchedule ?? DEFAULT_NEURAL_RUN });
  },
  continuous: async (options) => new (await import('../service/continuous-run')).ContinuousEngine({ schedule: options.continuousSchedule }) as Engine<unknown>,
};

export function loadEngine(envId: string, options: SimulationEngineOptions = {}): Promise<Engine<unknown>> {
  return LOADERS[engineKindForEnv(envId)](options);
}

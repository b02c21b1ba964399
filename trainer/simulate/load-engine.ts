/**
 * The engine `simulate()` runs on an env: the service's own (trainer/service/engine-factory.ts,
 * loaded on demand), with simulate's default neural schedule.
 */
import { createEngine, type EngineOptions } from '../service/engine-factory';
import { engineKindForEnv, type Engine } from '../service/engine';

export type SimulationEngineOptions = EngineOptions;

export async function loadEngine(envId: string, options: SimulationEngineOptions = {}): Promise<Engine<unknown>> {
  if (engineKindForEnv(envId) !== 'neural' || options.neuralSchedule) return createEngine(envId, options);
  // DEFAULT_NEURAL_RUN with its greedy evaluation ('return/greedy'; the service's default leaves
  // it out); imported here only for neural envs, as it brings tfjs.
  const { DEFAULT_NEURAL_RUN } = await import('../algorithms/neural/run-config');
  return createEngine(envId, { ...options, neuralSchedule: DEFAULT_NEURAL_RUN });
}

import { describe, expect, it } from 'vitest';
import { neuralSchedule } from '../service/neural-engine';
import { withEnvDefaults, runSettingsSchema } from '../contracts/run-config';
import { DEFAULT_NEURAL_RUN } from '../algorithms/neural/run-config';
import { simulatedRun } from './in-memory-run';
import type { SimulateOptions } from './types';

const OPTS: SimulateOptions = {
  env: 'mountaincar', algo: 'sobirl', labels: 20, seeds: 1, pairsPerIter: 10, horizon: 25, gamma: 0.9, tau: 0.01, teacher: { beta: 1 },
};

/** The run's config as the engine reads it: parsed by the service's own schema, env defaults filled in. */
function engineConfig(opts: SimulateOptions) {
  return withEnvDefaults(opts.env, runSettingsSchema.parse(simulatedRun(opts, 100).config));
}

describe('the simulated run carries the command line settings to the neural engine', () => {
  it('algorithm overrides and the neural schedule reach the learner; the rest keeps DEFAULT_NEURAL_RUN', () => {
    const schedule = neuralSchedule(engineConfig({ ...OPTS, algorithmConfig: { exploreCoef: 0.2, upperSteps: 60 }, neural: { updatesPerIter: 3000, envStepsPerIter: 4000 } }), DEFAULT_NEURAL_RUN);
    expect(schedule.run.sobirl.exploreCoef).toBe(0.2);
    expect(schedule.run.sobirl.upperSteps).toBe(60);
    expect(schedule.run.lowerLevel.updatesPerIter).toBe(3000);
    expect(schedule.run.envStepsPerIter).toBe(4000);
    expect(schedule.run.sobirl.exploreClip).toBe(DEFAULT_NEURAL_RUN.sobirl.exploreClip);
    expect(schedule.run.lowerLevel.minReplay).toBe(DEFAULT_NEURAL_RUN.lowerLevel.minReplay);
    expect(neuralSchedule(engineConfig(OPTS), DEFAULT_NEURAL_RUN).run).toEqual(DEFAULT_NEURAL_RUN);
  });

  it('query selection: uniform unless asked for, as simulations always drew pairs', () => {
    expect(engineConfig(OPTS).querySelection).toBe('uniform');
    expect(engineConfig({ ...OPTS, querySelection: 'disagreement' }).querySelection).toBe('disagreement');
    expect(engineConfig({ ...OPTS, querySelection: 'disagreement', oversample: 3 }).oversample).toBe(3);
    expect(engineConfig(OPTS).oversample).toBe(runSettingsSchema.parse({}).oversample);
  });
});

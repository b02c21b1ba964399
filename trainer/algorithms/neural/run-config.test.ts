import { describe, expect, it } from 'vitest';
import { DEFAULT_NEURAL_RUN, NEURAL_ALGORITHM_OVERRIDES, checkNeuralOverrides } from './run-config';

/** The flat (scalar) settings of a config: the ones a run's `algorithm` record can override (withOverrides). */
function scalars(config: object): Record<string, number | boolean | string> {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => typeof v !== 'object')) as Record<string, number | boolean | string>;
}

describe('checkNeuralOverrides', () => {
  it.each([
    ['sobirl', DEFAULT_NEURAL_RUN.sobirl],
    ['stoc-sobirl', DEFAULT_NEURAL_RUN.stocSobirl],
    ['drlhf', DEFAULT_NEURAL_RUN.drlhf],
  ] as const)('%s: accepts every flat setting of its defaults, and knows no other', (algo, defaults) => {
    const flat = scalars(defaults);
    expect(() => checkNeuralOverrides(algo, flat)).not.toThrow();
    // The schema's keys are exactly the defaults' scalar keys (plus optional ones the defaults leave unset).
    const known = Object.keys(NEURAL_ALGORITHM_OVERRIDES[algo].shape);
    for (const key of Object.keys(flat)) expect(known).toContain(key);
  });

  it.each([
    ['sobirl', { exploreCoeff: 1 }, /'exploreCoeff' is not a setting of sobirl; known: .*exploreCoef/],
    ['sobirl', { exploreCoef: -0.1 }, /sobirl\.exploreCoef: .*>=0/],
    ['sobirl', { upperSteps: 2.5 }, /sobirl\.upperSteps: .*int/],
    ['sobirl', { gradient: 'exact' }, /sobirl\.gradient: .*rollout.*one-step/],
    ['drlhf', { exploreCoef: 0.1 }, /'exploreCoef' is not a setting of drlhf; known: upperSteps, batchSize, rewardL2/],
    ['drlhf', { upperSteps: 'many' }, /drlhf\.upperSteps: .*number/],
    ['oracle', { upperSteps: 3 }, /'upperSteps' is not a setting of oracle; known: none/],
    ['pbrl', {}, /pbrl does not train on neural environments/],
  ] as const)('%s %j: an error naming the field', (algo, overrides, message) => {
    expect(() => checkNeuralOverrides(algo, overrides)).toThrow(message);
  });
});

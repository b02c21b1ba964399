import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTINUOUS_SCHEDULE, type ContinuousSchedule } from '../algorithms/continuous/run-config';
import { loadEngine } from './load-engine';
import { simulateSeedOn } from './simulate';

/** A few hundred SAC updates: the loop, not the learning, is under test here. */
const TINY: ContinuousSchedule = {
  envStepsPerIter: 100, numEnvs: 4, evalEpisodes: 1, finalEvalEpisodes: 2,
  lower: { updatesPerIter: 20, replayCapacity: 2000, minReplay: 50, sac: { hiddenSizes: [16], batchSize: 32 } },
  upper: { ...DEFAULT_CONTINUOUS_SCHEDULE.upper, upperSteps: 5, hiddenSizes: [16], rolloutSteps: 3, exploreWarmup: 0 },
};

describe('simulate on a continuous-action env (the service\'s ContinuousEngine)', () => {
  it('loads the continuous engine for pendulum and runs SoBiRL and the oracle through the label budget', async () => {
    expect((await loadEngine('pendulum')).kind).toBe('continuous');
    const opts = { env: 'pendulum', labels: 16, seeds: 1, pairsPerIter: 8, horizon: 10, gamma: 0.99, tau: 0.2, teacher: { beta: 1 } };
    const sobirl = await simulateSeedOn({ ...opts, algo: 'sobirl' }, 0, undefined, { continuousSchedule: TINY });
    expect(sobirl.curve.map(([labels]) => labels)).toEqual([0, 8, 16]);
    for (const [, r] of sobirl.curve) expect(r).toBeLessThanOrEqual(0); // pendulum's reward is <= 0
    expect(sobirl.metrics.every((m) => Number.isFinite(m['loss/preference']) && Number.isFinite(m['sac/alpha']))).toBe(true);
    const oracle = await simulateSeedOn({ ...opts, algo: 'oracle' }, 0, undefined, { continuousSchedule: TINY });
    expect(oracle.curve.map(([labels]) => labels)).toEqual([0, 8, 16]);
    expect(oracle.metrics.every((m) => m['loss/preference'] === undefined)).toBe(true);
  });
});

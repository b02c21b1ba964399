import { describe, expect, it } from 'vitest';
import { makeRng } from '../../core/rng';
import { pendulum } from '../../envs/pendulum';
import { makeTeacher } from '../../teachers';
import { ContinuousLearner } from './learner';
import { runContinuousLoop } from './rlhf-loop';
import { DEFAULT_CONTINUOUS_SCHEDULE, type ContinuousSchedule } from './run-config';

/** A few hundred SAC updates and tens of labels: seconds per algorithm. */
const TINY: ContinuousSchedule = {
  envStepsPerIter: 200, numEnvs: 4, evalEpisodes: 0, finalEvalEpisodes: 0,
  lower: { updatesPerIter: 40, replayCapacity: 5000, minReplay: 100, sac: { hiddenSizes: [16], batchSize: 32 } },
  upper: { ...DEFAULT_CONTINUOUS_SCHEDULE.upper, upperSteps: 40, hiddenSizes: [16], rolloutSteps: 4, exploreWarmup: 0, learningRate: 3e-3 },
};

describe('continuous upper levels on pendulum (smoke: the labels get fitted, the estimates are finite)', () => {
  const cases = [
    ['sobirl', {}], ['sobirl', { gradient: 'one-step' as const }], ['stoc-sobirl', { beta0: 0.2 }], ['drlhf', {}],
  ] as const;
  for (const [algorithm, upper] of cases) {
    it(`${algorithm} ${JSON.stringify(upper)}`, async () => {
      const schedule = { ...TINY, upper: { ...TINY.upper, ...upper } };
      const losses: number[] = [], explore: number[] = [];
      await runContinuousLoop({
        env: pendulum, algorithm, schedule, gamma: 0.99, tau: 0.2, horizon: 10, pairsPerIter: 16, labels: 48,
        teacher: makeTeacher({ beta: 5 }), seed: 1, finalEvalEpisodes: 1,
        onIteration: (_k, m) => { losses.push(m['loss/preference']!); explore.push(m['hypergrad/explore']!); },
      });
      expect(losses).toHaveLength(3);
      for (const v of [...losses, ...explore]) expect(Number.isFinite(v)).toBe(true);
      // Below the coin-flip loss ln 2 once fitted.
      expect(losses.at(-1)!).toBeLessThan(Math.LN2);
      if (algorithm === 'drlhf') expect(explore.every((v) => v === 0)).toBe(true);
      else expect(explore.some((v) => v > 0)).toBe(true);
    });
  }

  it('a learner\'s state (Stoc-SoBiRL momentum included) round-trips into a fresh learner, and a mismatched one is refused before any write', async () => {
    const make = (hidden: number[]) => new ContinuousLearner(pendulum, 'stoc-sobirl', { gamma: 0.99, tau: 0.2, seed: 2 }, { ...TINY, upper: { ...TINY.upper, hiddenSizes: hidden } }, 5);
    const a = make([16]);
    await a.collect(200);
    const pairs = a.candidatePairs(8, 10, makeRng(1)).map(([first, second], i) => ({ first, second, y: i % 2 }));
    await a.updateReward(a.packLabels(pairs, pairs, 10)!, 0, makeRng(2));
    await a.updatePolicy(makeRng(3));
    const state = a.exportState();
    expect(Object.keys(state.optimizer)).toEqual(expect.arrayContaining(['upper/momentum', 'upper/previous', 'upper/t', 'sac/actor', 'sac/alpha']));
    const b = make([16]);
    b.importState(state);
    const plain = (s: Record<string, Float32Array>) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Array.from(v)]));
    const back = b.exportState();
    expect(plain(back.reward)).toEqual(plain(state.reward));
    expect(plain(back.policy)).toEqual(plain(state.policy));
    expect(plain(back.optimizer)).toEqual(plain(state.optimizer));
    const c = make([8]);
    const untouched = plain(c.exportState().policy);
    expect(() => c.importState(state)).toThrow(/holds \d+ (values|weights); this run's network/);
    expect(plain(c.exportState().policy)).toEqual(untouched);
  });
});

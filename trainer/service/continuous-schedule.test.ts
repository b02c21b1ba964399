import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTINUOUS_SCHEDULE, envContinuousSchedule } from '../algorithms/continuous/run-config';
import { RLHF_DEFAULTS } from '../envs/rlhf-defaults';
import { neuralSettingsSchema } from '../contracts/run-config';
import type { EngineRun } from './engine';
import { ContinuousEngine } from './continuous-run';

const run = (envId: string, config: Record<string, unknown> = {}): EngineRun => ({
  id: 1, envId, algorithm: 'sobirl', config, iteration: 0, labelBatchSize: 20, labelsWanted: 1,
});

describe('the continuous engine starts each run from its env\'s schedule (rlhf-defaults.ts)', () => {
  it('inverted-pendulum gets its own env steps and SAC updates per iteration; pendulum, without an entry, the default', () => {
    const own = RLHF_DEFAULTS['inverted-pendulum']!.continuousSchedule!;
    expect(own.envStepsPerIter ?? own.updatesPerIter).toBeDefined();
    const schedule = new ContinuousEngine().plan(run('inverted-pendulum')).schedule;
    expect(schedule.envStepsPerIter).toBe(own.envStepsPerIter ?? DEFAULT_CONTINUOUS_SCHEDULE.envStepsPerIter);
    expect(schedule.lower.updatesPerIter).toBe(own.updatesPerIter ?? DEFAULT_CONTINUOUS_SCHEDULE.lower.updatesPerIter);
    // Everything the entry does not name stays the default's.
    expect(schedule.upper).toEqual(DEFAULT_CONTINUOUS_SCHEDULE.upper);
    expect(schedule.lower.minReplay).toBe(DEFAULT_CONTINUOUS_SCHEDULE.lower.minReplay);
    // (The schedule also carries the run's pair selection, from its config: uniform here.)
    const { selection, ...pendulum } = new ContinuousEngine().plan(run('pendulum')).schedule;
    expect(pendulum).toEqual(DEFAULT_CONTINUOUS_SCHEDULE);
    expect(selection?.mode).toBe('uniform');
    expect(envContinuousSchedule('pendulum')).toBe(DEFAULT_CONTINUOUS_SCHEDULE);
  });

  it('a run\'s own `neural` settings override the env\'s, and a schedule given to the engine replaces it', () => {
    const overridden = new ContinuousEngine().plan(run('inverted-pendulum', { neural: { envStepsPerIter: 123, updatesPerIter: 45 } })).schedule;
    expect([overridden.envStepsPerIter, overridden.lower.updatesPerIter]).toEqual([123, 45]);
    const given = { ...DEFAULT_CONTINUOUS_SCHEDULE, envStepsPerIter: 77 };
    expect(new ContinuousEngine({ schedule: given }).plan(run('inverted-pendulum')).schedule.envStepsPerIter).toBe(77);
  });

  it('the collection episode length: the env\'s own, a run\'s override, bounded by the run config\'s schema', () => {
    const own = RLHF_DEFAULTS['inverted-pendulum']!.continuousSchedule!.collectEpisodeSteps;
    expect(new ContinuousEngine().plan(run('inverted-pendulum')).schedule.collectEpisodeSteps).toBe(own);
    expect(new ContinuousEngine().plan(run('inverted-pendulum', { neural: { collectEpisodeSteps: 80 } })).schedule.collectEpisodeSteps).toBe(80);
    expect(new ContinuousEngine().plan(run('pendulum')).schedule.collectEpisodeSteps).toBeUndefined();
    // Its pair selection likewise: the env's own mode, a run's choice over it, the run's ensemble size either way.
    expect(new ContinuousEngine().plan(run('inverted-pendulum')).schedule.selection?.mode).toBe(RLHF_DEFAULTS['inverted-pendulum']!.continuousSchedule!.pairSelection);
    const uniform = new ContinuousEngine().plan(run('inverted-pendulum', { neural: { pairSelection: 'uniform' }, ensembleSize: 3 })).schedule.selection!;
    expect([uniform.mode, uniform.ensemble.size]).toEqual(['uniform', 3]);
    for (const bad of [0, 2.5, -1, 1e9, '50']) {
      const parsed = neuralSettingsSchema.safeParse({ collectEpisodeSteps: bad });
      expect(parsed.success).toBe(false);
      expect(parsed.error!.issues[0]!.path).toEqual(['collectEpisodeSteps']);
    }
  });
});

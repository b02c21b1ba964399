import { describe, expect, it } from 'vitest';
import { RLHF_DEFAULTS } from '../envs/rlhf-defaults';
import { createRunInputSchema, resolveRunConfig } from './run-config';
import { DEFAULT_CONTINUOUS_SCHEDULE, continuousSchedule, envContinuousSchedule } from '../algorithms/continuous/run-config';

describe('run config resolution per environment', () => {
  it('fills gamma, tau and horizon from the run env when the stored config omits them', () => {
    for (const envId of ['grid5', 'cartpole', 'acrobot'] as const) {
      const d = RLHF_DEFAULTS[envId]!;
      expect(resolveRunConfig(envId, {})).toMatchObject({ gamma: d.gamma, tau: d.tau, horizon: d.horizon });
    }
    // The values differ between the two kinds of env, so the check above can tell them apart.
    expect(RLHF_DEFAULTS.cartpole!.gamma).not.toBe(RLHF_DEFAULTS.grid5!.gamma);
  });

  it('keeps values the config sets, including the seed demo clipLength', () => {
    expect(resolveRunConfig('cartpole', { gamma: 0.9, tau: 0.2, horizon: 7 })).toMatchObject({ gamma: 0.9, tau: 0.2, horizon: 7 });
    expect(resolveRunConfig('cartpole', { clipLength: 30 }).horizon).toBe(30);
  });

  it('validates the neural record strictly, naming the field', () => {
    expect(resolveRunConfig('cartpole', { neural: { envStepsPerIter: 200, hiddenSizes: [16] } }).neural).toEqual({ envStepsPerIter: 200, hiddenSizes: [16] });
    expect(() => resolveRunConfig('cartpole', { neural: { envSteps: 200 } })).toThrow(/neural/);
    expect(() => resolveRunConfig('cartpole', { neural: { updatesPerIter: -1 } })).toThrow(/neural\.updatesPerIter/);
  });

  it('MuJoCo locomotion runs get their env-sized schedule (rlhf-defaults.ts); pendulum keeps the engine defaults; a run\'s neural settings win', () => {
    expect(envContinuousSchedule('pendulum')).toBe(DEFAULT_CONTINUOUS_SCHEDULE);
    for (const envId of ['hopper', 'half-cheetah', 'walker2d']) {
      const sized = RLHF_DEFAULTS[envId]!.continuousSchedule!;
      const schedule = continuousSchedule(resolveRunConfig(envId, {}), envContinuousSchedule(envId));
      expect([schedule.envStepsPerIter, schedule.lower.updatesPerIter]).toEqual([sized.envStepsPerIter, sized.updatesPerIter]);
      expect(schedule.lower.sac).toEqual(DEFAULT_CONTINUOUS_SCHEDULE.lower.sac);
      const own = continuousSchedule(resolveRunConfig(envId, { neural: { envStepsPerIter: 300, updatesPerIter: 40 } }), envContinuousSchedule(envId));
      expect([own.envStepsPerIter, own.lower.updatesPerIter]).toEqual([300, 40]);
    }
  });

  it('continuous runs choose pairs uniformly unless neural.pairSelection asks for disagreement; a bad value is refused by name', () => {
    // querySelection's own default ('disagreement') is the discrete engines'.
    expect(continuousSchedule(resolveRunConfig('pendulum', {})).selection?.mode).toBe('uniform');
    const chosen = continuousSchedule(resolveRunConfig('hopper', { neural: { pairSelection: 'disagreement', ensembleSteps: 7 }, ensembleSize: 3, oversample: 4 })).selection;
    expect(chosen).toMatchObject({ mode: 'disagreement', oversample: 4, ensemble: { size: 3, steps: 7 } });
    expect(() => resolveRunConfig('pendulum', { neural: { pairSelection: 'best' } })).toThrow(/neural\.pairSelection/);
    const form = createRunInputSchema.safeParse({ name: 'p', envId: 'pendulum', instructions: 'Swing up.', config: { neural: { pairSelection: 'best' } } });
    expect(form.success).toBe(false);
    expect(form.error?.issues.map((i) => i.path.join('.'))).toContain('config.neural.pairSelection');
  });

  it('runs.create stores the env defaults filled in', () => {
    const input = createRunInputSchema.parse({ name: 'c', envId: 'cartpole', instructions: 'Balance.' });
    expect(input.config).toMatchObject({ gamma: RLHF_DEFAULTS.cartpole!.gamma, tau: RLHF_DEFAULTS.cartpole!.tau, horizon: RLHF_DEFAULTS.cartpole!.horizon });
  });
});

describe('run config: start distribution', () => {
  const base = { name: 'r', envId: 'fourrooms', algorithm: 'pbrl', instructions: 'label' };
  it("defaults to 'uniform', accepts 'far' and a state index on tabular envs", () => {
    expect(createRunInputSchema.parse(base).config.start).toBe('uniform');
    expect(createRunInputSchema.parse({ ...base, config: { start: 'far' } }).config.start).toBe('far');
    expect(createRunInputSchema.parse({ ...base, config: { start: '39' } }).config.start).toBe('39');
    expect(resolveRunConfig('grid5', {}).start).toBe('uniform');
  });

  it('rejects a state outside the env and any fixed start on a non-tabular env, naming config.start', () => {
    const outside = createRunInputSchema.safeParse({ ...base, config: { start: '40' } });
    expect(outside.success).toBe(false);
    expect(outside.error!.issues[0]!.path).toEqual(['config', 'start']);
    expect(outside.error!.issues[0]!.message).toMatch(/state index in \[0, 39\] of fourrooms/);
    const neural = createRunInputSchema.safeParse({ ...base, envId: 'cartpole', algorithm: 'sobirl', config: { start: 'far' } });
    expect(neural.success).toBe(false);
    expect(neural.error!.issues[0]!.path).toEqual(['config', 'start']);
  });

  it('carries string-valued algorithm settings (the exploration half) to the learner', () => {
    const parsed = createRunInputSchema.parse({ ...base, algorithm: 'sobirl', config: { algorithm: { exploreData: 'weighted', weightCap: 3 } } });
    expect(parsed.config.algorithm).toEqual({ exploreData: 'weighted', weightCap: 3 });
    const word = createRunInputSchema.safeParse({ ...base, config: { algorithm: { lr: 'fast' } } });
    expect(word.success).toBe(false);
    expect(word.error!.issues[0]!.path).toEqual(['config', 'algorithm', 'lr']);
    const unknownWord = createRunInputSchema.safeParse({ ...base, config: { algorithm: { exploreSchedule: 'sometimes' } } });
    expect(unknownWord.error!.issues[0]!.message).toMatch(/must be one of per-iteration, per-step/);
  });
});

describe('run config: the simulated teachers\' judgement', () => {
  const base = { name: 'r', envId: 'mountaincar', instructions: 'Which car swings higher?' };
  it("defaults to 'true-reward' and takes 'scripted' where the env has a progress measure", () => {
    expect(createRunInputSchema.parse({ ...base, config: { simulate: {} } }).config.simulate?.judgement).toBe('true-reward');
    expect(createRunInputSchema.parse({ ...base, config: { simulate: { judgement: 'scripted' } } }).config.simulate?.judgement).toBe('scripted');
    expect(createRunInputSchema.parse({ ...base, envId: 'acrobot', config: { simulate: { judgement: 'scripted' } } }).config.simulate?.judgement).toBe('scripted');
    expect(resolveRunConfig('acrobot', { simulate: { judgement: 'scripted' } }).simulate?.judgement).toBe('scripted');
  });

  it('refuses an unknown judgement, and scripted on an env without one, naming config.simulate.judgement', () => {
    const unknown = createRunInputSchema.safeParse({ ...base, config: { simulate: { judgement: 'person' } } });
    expect(unknown.success).toBe(false);
    expect(unknown.error!.issues[0]!.path).toEqual(['config', 'simulate', 'judgement']);
    const cartpole = createRunInputSchema.safeParse({ ...base, envId: 'cartpole', config: { simulate: { judgement: 'scripted' } } });
    expect(cartpole.success).toBe(false);
    expect(cartpole.error!.issues[0]!.path).toEqual(['config', 'simulate', 'judgement']);
    expect(cartpole.error!.issues[0]!.message).toMatch(/no scripted judgement for 'cartpole'.*mountaincar, acrobot/);
  });
});

import { describe, expect, it } from 'vitest';
import { RLHF_DEFAULTS } from '@/trainer/envs/rlhf-defaults';
import { resolveRunConfig } from '@/trainer/contracts/run-config';
import { continuousSchedule, envContinuousSchedule } from '@/trainer/algorithms/continuous/run-config';
import { algorithmsFor, defaultPairSelection, ENV_OPTIONS, NUMBER_SETTINGS, parseNewRunForm, SETTINGS_DEFAULTS, settingsDefaultsFor, type FormValues } from './newRun';

/** The form as it first appears: every hyper-parameter prefilled with its shown default. */
function defaultForm(overrides: Record<string, string | undefined> = {}): FormValues {
  const values: Record<string, string | undefined> = {
    name: 'grid run', envId: 'grid5', algorithm: 'sobirl', instructions: 'Reach the green corner.',
    labelsWanted: '1', labelBatchSize: '16', features: SETTINGS_DEFAULTS.features,
    querySelection: SETTINGS_DEFAULTS.querySelection, retireStalePairs: 'on', algorithmOverrides: '',
  };
  for (const { key } of NUMBER_SETTINGS) values[key] = String(SETTINGS_DEFAULTS[key]);
  return { ...values, ...overrides };
}

function errorsOf(values: FormValues): Record<string, string> {
  const parsed = parseNewRunForm(values);
  if (parsed.ok) throw new Error('expected the form to be refused');
  return Object.fromEntries(parsed.errors.map((e) => [e.field, e.message]));
}

describe('the new-run form', () => {
  it('shows the defaults the service applies to a run stored without settings', () => {
    // The trainer reads a stored config with resolveRunConfig: an empty one must train exactly
    // as the untouched form would have asked.
    const parsed = parseNewRunForm(defaultForm());
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.input.config).toEqual(resolveRunConfig('grid5', {}));
    expect(parsed.input).toMatchObject({ name: 'grid run', envId: 'grid5', algorithm: 'sobirl', labelsWanted: 1, labelBatchSize: 16 });
  });

  it('reads what was typed, and a blank number as the default', () => {
    const parsed = parseNewRunForm(defaultForm({ gamma: '0.95', tau: '', labelBatchSize: '2', querySelection: 'uniform', retireStalePairs: undefined, algorithmOverrides: '{"upperSteps": 20, "clip": true}' }));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.input.labelBatchSize).toBe(2);
    expect(parsed.input.config).toMatchObject({ gamma: 0.95, tau: 0.1, querySelection: 'uniform', retireStalePairs: false, algorithm: { upperSteps: 20, clip: true } });
  });

  it('says what is wrong in words, every field at once', () => {
    const errors = errorsOf(defaultForm({ name: '  ', instructions: '', gamma: '1', horizon: '2.5', tau: 'abc', labelsWanted: '0', labelBatchSize: '2000' }));
    expect(errors).toEqual({
      name: 'Name cannot be empty.',
      instructions: 'Instructions for annotators cannot be empty.',
      gamma: 'Discount γ must be less than 1.',
      horizon: 'Clip length (steps) must be a whole number.',
      tau: 'Entropy weight τ must be a number.',
      labelsWanted: 'Overlap (labels wanted per pair) must be at least 1.',
      labelBatchSize: 'Label batch size must be at most 1024.',
    });
  });

  it('refuses bad algorithm overrides and an unknown environment', () => {
    expect(errorsOf(defaultForm({ algorithmOverrides: '{upperSteps: 20' })).algorithmOverrides).toMatch(/JSON object/);
    expect(errorsOf(defaultForm({ algorithmOverrides: '[1]' })).algorithmOverrides).toMatch(/JSON object/);
    expect(errorsOf(defaultForm({ algorithmOverrides: '{"lr": "fast"}' })).algorithmOverrides).toMatch(/lr takes a number or true\/false/);
    expect(errorsOf(defaultForm({ algorithmOverrides: '{"exploreData": "old"}' })).algorithmOverrides).toMatch(/exploreData must be one of fresh, weighted/);
    expect(errorsOf(defaultForm({ algorithmOverrides: '{"lr": [1]}' })).algorithmOverrides).toMatch(/check lr/);
    expect(errorsOf(defaultForm({ envId: 'pong' })).envId).toMatch(/grid5/);
  });

  it('offers m-sobirl, pbrl and hpgd on tabular environments only, and refuses them elsewhere', () => {
    const tabular = ENV_OPTIONS.filter((e) => e.tabular).map((e) => e.id);
    expect(tabular).toEqual(['grid5', 'fourrooms', 'riverswim']);
    for (const algo of ['m-sobirl', 'pbrl', 'hpgd'] as const) {
      for (const env of tabular) expect(algorithmsFor(env)).toContain(algo);
      expect(algorithmsFor('cartpole')).not.toContain(algo);
    }
    expect(algorithmsFor('cartpole')[0]).toBe('sobirl');
    expect(errorsOf(defaultForm({ envId: 'cartpole', algorithm: 'm-sobirl' })).algorithm).toMatch(/tabular/);
    expect(parseNewRunForm(defaultForm({ algorithm: 'm-sobirl' })).ok).toBe(true);
  });

  it("shows each environment's gamma, tau and clip length, and a cartpole run left blank gets cartpole's", () => {
    const cartpole = RLHF_DEFAULTS.cartpole!;
    expect(settingsDefaultsFor('cartpole')).toMatchObject({ gamma: cartpole.gamma, tau: cartpole.tau, horizon: cartpole.horizon });
    expect(settingsDefaultsFor('grid5')).toMatchObject({ gamma: RLHF_DEFAULTS.grid5!.gamma, horizon: RLHF_DEFAULTS.grid5!.horizon });
    // Blank fields: runs.create fills the env's values in, and the service reads them back the same.
    const blank = parseNewRunForm(defaultForm({ envId: 'cartpole', gamma: '', tau: '', horizon: '' }));
    expect(blank.ok).toBe(true);
    if (!blank.ok) return;
    expect(blank.input.config).toMatchObject({ gamma: cartpole.gamma, tau: cartpole.tau, horizon: cartpole.horizon });
    expect(resolveRunConfig('cartpole', blank.input.config)).toEqual(resolveRunConfig('cartpole', {}));
    // A value typed in wins over the env's default.
    const typed = parseNewRunForm(defaultForm({ envId: 'cartpole', gamma: '0.95', tau: '', horizon: '' }));
    expect(typed.ok && typed.input.config.gamma).toBe(0.95);
  });

  it('reads the clip start (tabular) and string-valued algorithm overrides, and names a bad start', () => {
    const far = parseNewRunForm(defaultForm({ envId: 'fourrooms', start: 'far', algorithmOverrides: '{"exploreData": "weighted"}' }));
    expect(far.ok).toBe(true);
    if (far.ok) {
      expect(far.input.config.start).toBe('far');
      expect(far.input.config.algorithm).toEqual({ exploreData: 'weighted' });
    }
    const blank = parseNewRunForm(defaultForm({ start: '' }));
    expect(blank.ok && blank.input.config.start).toBe('uniform');
    expect(errorsOf(defaultForm({ envId: 'grid5', start: '99' })).start).toMatch(/state index in \[0, 24\]/);
    expect(errorsOf(defaultForm({ envId: 'cartpole', start: 'far' })).start).toMatch(/tabular/);
  });
});

describe('the new-run form: simulated teachers', () => {
  const mc = (judgement: string | undefined, envId = 'mountaincar') =>
    defaultForm({ envId, simulateJudgement: judgement, gamma: '', tau: '', horizon: '' });

  it('offers the scripted judgement on envs with a progress measure only', () => {
    const withProgress = ENV_OPTIONS.filter((e) => e.progress !== null).map((e) => e.id);
    expect(withProgress).toEqual(['mountaincar', 'acrobot']);
    expect(ENV_OPTIONS.find((e) => e.id === 'mountaincar')!.progress).toMatch(/^swing: /);
  });

  it('leaves simulate unset when blank (people label), and stores the chosen judgement', () => {
    const none = parseNewRunForm(mc(undefined));
    expect(none.ok && none.input.config.simulate).toBe(undefined);
    const scripted = parseNewRunForm(mc('scripted'));
    expect(scripted.ok && scripted.input.config.simulate).toMatchObject({ judgement: 'scripted', teacher: 'oracle' });
    const truth = parseNewRunForm(mc('true-reward', 'cartpole'));
    expect(truth.ok && truth.input.config.simulate?.judgement).toBe('true-reward');
  });

  it('names the field when scripted is asked for where no scripted judgement exists', () => {
    expect(errorsOf(mc('scripted', 'cartpole')).simulateJudgement).toMatch(/Simulated teachers: no scripted judgement for 'cartpole'/);
    expect(errorsOf(mc('person')).simulateJudgement).toMatch(/Simulated teachers must be one of: true-reward, scripted/);
  });
});

describe('the new-run form: continuous environments and their pair selection', () => {
  const ip = (overrides: Record<string, string | undefined>) => defaultForm({ envId: 'inverted-pendulum', gamma: '', tau: '', horizon: '', ...overrides });

  it('offers the continuous-action environments, marked as such', () => {
    const continuous = ENV_OPTIONS.filter((e) => e.continuous).map((e) => e.id);
    expect(continuous).toEqual(expect.arrayContaining(['pendulum', 'inverted-pendulum']));
    expect(ENV_OPTIONS.filter((e) => e.continuous && e.tabular)).toEqual([]);
    expect(algorithmsFor('inverted-pendulum')).toContain('sobirl');
  });

  it('stores the chosen pair selection as neural.pairSelection, and the continuous engine selects by it', () => {
    const parsed = parseNewRunForm(ip({ pairSelection: 'disagreement' }));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.input.config.neural).toEqual({ pairSelection: 'disagreement' });
    // What the trainer builds from the stored config: disagreement selection.
    const stored = resolveRunConfig('inverted-pendulum', JSON.parse(JSON.stringify(parsed.input.config)));
    expect(continuousSchedule(stored, envContinuousSchedule('inverted-pendulum')).selection?.mode).toBe('disagreement');
    // 'uniform' typed in wins over the env's default.
    const uniform = parseNewRunForm(ip({ pairSelection: 'uniform' }));
    if (uniform.ok) expect(continuousSchedule(resolveRunConfig('inverted-pendulum', uniform.input.config), envContinuousSchedule('inverted-pendulum')).selection?.mode).toBe('uniform');
    // Blank: no neural record, and the engine uses the env's own selection, the one the form shows.
    for (const envId of ['inverted-pendulum', 'pendulum']) {
      const blank = parseNewRunForm(ip({ envId, pairSelection: '' }));
      expect(blank.ok && blank.input.config.neural).toBe(undefined);
      if (blank.ok) expect(continuousSchedule(resolveRunConfig(envId, blank.input.config), envContinuousSchedule(envId)).selection?.mode).toBe(defaultPairSelection(envId));
    }
    expect([defaultPairSelection('inverted-pendulum'), defaultPairSelection('pendulum')]).toEqual(['disagreement', 'uniform']);
  });

  it('names the field for an unknown selection, and refuses it on a discrete environment', () => {
    expect(errorsOf(ip({ pairSelection: 'greedy' })).pairSelection).toMatch(/Pair selection \(continuous\) must be one of: uniform, disagreement/);
    expect(errorsOf(defaultForm({ envId: 'cartpole', gamma: '', tau: '', horizon: '', pairSelection: 'disagreement' })).pairSelection).toMatch(/continuous-action environments only/);
  });
});

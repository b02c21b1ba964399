import { z } from 'zod';
import { CONTINUOUS_ENVS, ENVS } from '@/trainer/envs';
import { rlhfDefaults } from '@/trainer/envs/rlhf-defaults';
import { algorithmsFor as registryAlgorithmsFor, isTabularEnv, unsupportedReason, type AlgorithmName } from '@/trainer/contracts/algorithms';
import {
  CREATE_RUN_DEFAULTS, createRunInputSchema, QUERY_SELECTIONS, settingsDefaultsFor, STRING_ALGORITHM_SETTINGS, type RunConfig,
} from '@/trainer/contracts/run-config';

/**
 * The "New run" form's data side, pure so it is testable without a browser: which envs and
 * algorithms it offers, the hyper-parameter defaults it shows, and the check of what was typed
 * with errors in words. The defaults come from `runSettingsSchema`, the very schema `runs.create`
 * fills them from, so the form can never advertise a default the server does not apply. gamma,
 * tau and clip length depend on the environment (trainer/envs/rlhf-defaults.ts): the form shows
 * `settingsDefaultsFor(envId)` and changes them when the environment changes.
 * (run-config.ts and the env registry import zod and pure env code only: no tfjs, no database.)
 */

/** The defaults of a grid5 run (the form's initial environment). */
export const SETTINGS_DEFAULTS: RunConfig = settingsDefaultsFor('grid5');

export { settingsDefaultsFor };

export interface EnvOption {
  id: string;
  title: string;
  tabular: boolean;
  /** Continuous (box) actions: SAC lower level; the form offers the pair selection of such runs. */
  continuous: boolean;
  /** What the scripted teacher judges by beside the true reward (env.progress); null: none for this env. */
  progress: string | null;
}

export const ENV_OPTIONS: readonly EnvOption[] = [
  ...Object.values(ENVS).map((env) => ({
    id: env.id, title: env.title, tabular: env.tabular !== undefined, continuous: false, progress: env.progress?.description ?? null,
  })),
  ...Object.values(CONTINUOUS_ENVS).map((env) => ({ id: env.id, title: env.title, tabular: false, continuous: true, progress: null })),
];

/**
 * Continuous runs: how new pairs are chosen among the policy's clips (the run config's
 * `neural.pairSelection`; the discrete engines read `querySelection` instead). Blank: the env's own.
 */
export const PAIR_SELECTIONS = ['uniform', 'disagreement'] as const;

/** The pair selection a continuous run of `envId` gets when the field is left blank (the env's own, rlhf-defaults.ts). */
export function defaultPairSelection(envId: string): (typeof PAIR_SELECTIONS)[number] {
  return rlhfDefaults(envId).continuousSchedule?.pairSelection ?? 'uniform';
}

export { isTabularEnv };

/** What the algorithm registry lets the service train on `envId` (`runs.create` checks the same). */
export function algorithmsFor(envId: string): readonly AlgorithmName[] {
  return registryAlgorithmsFor(envId, 'service');
}

/** `runs.create`'s own run-level defaults and input schema (shared with the server). */
export const CREATE_DEFAULTS = CREATE_RUN_DEFAULTS;
export const newRunSchema = createRunInputSchema;
export type NewRunInput = z.output<typeof newRunSchema>;

/** Hyper-parameters the form edits as numbers, in the order shown, with the words errors use. */
export const NUMBER_SETTINGS = [
  { key: 'seed', label: 'Seed', step: '1' },
  { key: 'gamma', label: 'Discount γ', step: 'any' },
  { key: 'tau', label: 'Entropy weight τ', step: 'any' },
  { key: 'horizon', label: 'Clip length (steps)', step: '1' },
  { key: 'oversample', label: 'Candidates per inserted pair', step: '1' },
  { key: 'ensembleSize', label: 'Ensemble size', step: '1' },
  { key: 'pendingFactor', label: 'Pending pairs (× label batch)', step: 'any' },
  { key: 'iterationTimeoutMs', label: 'Iteration timeout (ms)', step: '1' },
  { key: 'goldRate', label: 'Gold pair rate (share of queue picks)', step: 'any' },
] as const satisfies ReadonlyArray<{ key: keyof RunConfig; label: string; step: string }>;

const FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  envId: 'Environment',
  algorithm: 'Algorithm',
  instructions: 'Instructions for annotators',
  labelsWanted: 'Overlap (labels wanted per pair)',
  labelBatchSize: 'Label batch size',
  'config.features': 'Reward features',
  'config.start': 'Clip start',
  'config.querySelection': 'Query selection',
  'config.retireStalePairs': 'Retire stale pairs',
  'config.algorithm': 'Algorithm overrides',
  'config.neural.pairSelection': 'Pair selection (continuous)',
  'config.simulate.judgement': 'Simulated teachers',
  ...Object.fromEntries(NUMBER_SETTINGS.map((s) => [`config.${s.key}`, s.label])),
};

export interface FieldError {
  /** The input's name in the form (`gamma`, `labelBatchSize`, ...). */
  field: string;
  message: string;
}

/** One zod issue as a sentence about the named field. */
export function describeIssue(issue: z.core.$ZodIssue): FieldError {
  const path = issue.path.map(String).join('.');
  const field = String(issue.path[issue.path.length - 1] ?? '(form)');
  const label = FIELD_LABELS[path] ?? field;
  const what = issue.code === 'too_small' || issue.code === 'too_big' ? (issue.origin === 'string' ? 'length' : 'value') : null;
  switch (issue.code) {
    case 'too_small':
      if (what === 'length') return { field, message: Number(issue.minimum) <= 1 ? `${label} cannot be empty.` : `${label} needs at least ${issue.minimum} characters.` };
      return { field, message: `${label} must be ${issue.inclusive ? 'at least' : 'greater than'} ${issue.minimum}.` };
    case 'too_big':
      if (what === 'length') return { field, message: `${label} may have at most ${issue.maximum} characters.` };
      return { field, message: `${label} must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}.` };
    case 'invalid_type':
      if (issue.expected === 'int') return { field, message: `${label} must be a whole number.` };
      if (issue.expected === 'number') return { field, message: `${label} must be a number.` };
      return { field, message: `${label} is missing or of the wrong kind.` };
    case 'invalid_value':
      return { field, message: `${label} must be one of: ${issue.values.map(String).join(', ')}.` };
    default:
      return { field, message: `${label}: ${issue.message}` };
  }
}

/** What the form holds: every input's text (FormData entries), a checkbox present only when ticked. */
export type FormValues = Readonly<Record<string, string | undefined>>;

/** A blank number field means "the default"; anything else must read as a number. */
function numberOrDefault(text: string | undefined): number | undefined {
  const trimmed = text?.trim() ?? '';
  return trimmed === '' ? undefined : Number(trimmed);
}

function parseOverrides(text: string | undefined): { value?: Record<string, number | boolean | string>; error?: FieldError } {
  const trimmed = text?.trim() ?? '';
  if (trimmed === '') return {};
  const field = 'algorithmOverrides';
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { error: { field, message: 'Algorithm overrides must be a JSON object, e.g. {"upperSteps": 20}.' } };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { error: { field, message: 'Algorithm overrides must be a JSON object, e.g. {"upperSteps": 20}.' } };
  }
  const bad = Object.entries(parsed).filter(([, v]) => typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'string').map(([k]) => k);
  if (bad.length > 0) return { error: { field, message: `Algorithm overrides take numbers, true/false or short strings only; check ${bad.join(', ')}.` } };
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') continue;
    const allowed = STRING_ALGORITHM_SETTINGS[key];
    if (!allowed) return { error: { field, message: `Algorithm overrides: ${key} takes a number or true/false, not a string.` } };
    if (!allowed.includes(value)) return { error: { field, message: `Algorithm overrides: ${key} must be one of ${allowed.join(', ')}, got '${value}'.` } };
  }
  return { value: parsed as Record<string, number | boolean | string> };
}

export type ParsedNewRun = { ok: true; input: NewRunInput } | { ok: false; errors: FieldError[] };

/** Reads the form into `runs.create`'s input, or says in words what to fix (every field at once). */
export function parseNewRunForm(values: FormValues): ParsedNewRun {
  const errors: FieldError[] = [];
  const envId = values.envId ?? '';
  const algorithm = values.algorithm ?? 'sobirl';
  const unsupported = envId in ENVS ? unsupportedReason(algorithm, envId, 'service') : null;
  if (unsupported) errors.push({ field: 'algorithm', message: unsupported });
  const overrides = parseOverrides(values.algorithmOverrides);
  if (overrides.error) errors.push(overrides.error);
  const pairSelection = values.pairSelection?.trim() || undefined;
  if (pairSelection !== undefined && Object.hasOwn(ENVS, envId)) {
    errors.push({ field: 'pairSelection', message: `Pair selection (continuous) applies to continuous-action environments only; '${envId}' reads Query selection.` });
  }

  const config: Record<string, unknown> = {
    features: values.features || undefined,
    start: values.start?.trim() || undefined,
    querySelection: values.querySelection || undefined,
    retireStalePairs: values.retireStalePairs !== undefined,
    algorithm: overrides.value,
    neural: pairSelection !== undefined ? { pairSelection } : undefined,
    // Blank: people label the queue; else scripted teachers answer it, judging as chosen.
    simulate: values.simulateJudgement ? { judgement: values.simulateJudgement } : undefined,
  };
  for (const { key } of NUMBER_SETTINGS) config[key] = numberOrDefault(values[key]);

  const candidate = {
    name: values.name ?? '',
    envId,
    algorithm,
    instructions: values.instructions ?? '',
    labelsWanted: numberOrDefault(values.labelsWanted),
    labelBatchSize: numberOrDefault(values.labelBatchSize),
    config,
  };
  const parsed = newRunSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.path[0] === 'envId') errors.push({ field: 'envId', message: `Choose an environment: ${ENV_OPTIONS.map((e) => e.id).join(', ')}.` });
      else if (issue.path.join('.') === 'config.simulate.judgement') errors.push({ ...describeIssue(issue), field: 'simulateJudgement' });
      else if (issue.path.join('.') === 'config.neural.pairSelection') errors.push({ ...describeIssue(issue), field: 'pairSelection' });
      else errors.push(describeIssue(issue));
    }
  }
  if (!parsed.success || errors.length > 0) return { ok: false, errors };
  return { ok: true, input: parsed.data };
}

export { QUERY_SELECTIONS };

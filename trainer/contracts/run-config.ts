import { z } from 'zod';
import { text } from './text';
import { ALL_ENV_IDS, ENVS, envsWithProgress } from '../envs';
import { ALGORITHMS, type AlgorithmName } from './algorithms';
import { rlhfDefaults } from '../envs/rlhf-defaults';
import { BPREF_TEACHERS, TEACHER_JUDGEMENTS } from './teacher-names';
import { runBudgetIssues } from './run-budget';
import { parseStart } from '../envs/start';

/**
 * What a run's `config` JSON column may hold, with the defaults the trainer service uses. The
 * same schema validates `runs.create` (server) and the service's read of a run, so a run the UI
 * creates is one the service can train. Unknown keys are dropped (the demo seed stores notes such
 * as `source`), never an error: an old run must not stop training because a key was retired.
 *
 * gamma, tau and horizon depend on the environment (grid5: 0.9 / 0.1 / 12; cartpole: 0.99 /
 * 0.05 / 25; trainer/envs/rlhf-defaults.ts): the stored config may omit them, and
 * `resolveRunConfig(envId, raw)` fills them from the run's env. `runs.create` stores them filled
 * in, so a run keeps its settings when the defaults are retuned later.
 */

/** The registry's algorithms (trainer/contracts/algorithms.ts), under the names the run code uses. */
export const RUN_ALGORITHMS = ALGORITHMS;
export type RunAlgorithm = AlgorithmName;

export const QUERY_SELECTIONS = ['disagreement', 'uniform'] as const;
export type QuerySelection = (typeof QUERY_SELECTIONS)[number];

/** A scripted teacher: a B-Pref preset by name, or explicit settings (JSON has no Infinity: omit beta for the oracle). */
const teacherSchema = z.union([
  z.enum(BPREF_TEACHERS),
  z.strictObject({
    beta: z.number().min(0).optional(),
    mistake: z.number().min(0).max(1).optional(),
    skipThreshold: z.number().nullable().optional(),
    equalThreshold: z.number().min(0).optional(),
    myopicGamma: z.number().gt(0).max(1).optional(),
  }),
]);

export const simulateConfigSchema = z.object({
  /** Who answers: a B-Pref preset name or teacher settings. */
  teacher: teacherSchema.default('oracle'),
  /**
   * What the teachers judge clips by (trainer/teachers/scripted.ts): the true reward, or the
   * scripted judgement (true reward plus the progress a person sees; envs with a `progress` only).
   */
  judgement: z.enum(TEACHER_JUDGEMENTS).default('true-reward'),
  /** Simulated annotator accounts answering in parallel. */
  annotators: z.number().int().min(1).max(200).default(1),
  /** Labels per second per simulated annotator; 0 = as fast as the queue allows. */
  labelsPerSecond: z.number().min(0).default(1),
});
export type SimulateConfig = z.infer<typeof simulateConfigSchema>;

/**
 * Neural runs' schedule (DEFAULT_NEURAL_RUN, trainer/algorithms/neural/run-config.ts, fills what is
 * unset; the algorithm's own settings, e.g. upperSteps, stay in `algorithm`). Strict: a typo is
 * an error naming the key, not a silently ignored setting.
 */
export const neuralSettingsSchema = z.strictObject({
  /** Env steps collected with the current soft policy per outer iteration (replay + candidate clips). */
  envStepsPerIter: z.number().int().min(1).max(1_000_000).optional(),
  /** Episodes stepped in parallel during collection. */
  numEnvs: z.number().int().min(1).max(256).optional(),
  /** Soft Q updates per outer iteration (warm-started). */
  updatesPerIter: z.number().int().min(0).max(1_000_000).optional(),
  /** Q updates wait until the replay holds this many transitions. */
  minReplay: z.number().int().min(1).optional(),
  /** Replay capacity (transitions). */
  replayCapacity: z.number().int().min(1).optional(),
  /** Evaluation episodes per iteration for the `return/true` metric (0 = skip; metrics only). */
  evalEpisodes: z.number().int().min(0).max(1000).optional(),
  /** Hidden layer widths of the reward model and the Q network (and the query ensemble). */
  hiddenSizes: z.array(z.number().int().min(1).max(1024)).min(1).max(4).optional(),
  /** Adam steps per iteration of the query-selection ensemble (disagreement selection). */
  ensembleSteps: z.number().int().min(0).max(10_000).optional(),
  /** Continuous-action runs (SAC): the entropy weight fixed at the run's tau, or auto-tuned as the SAC authors' code does. */
  entropy: z.enum(['fixed', 'auto']).optional(),
  /**
   * Continuous-action runs: how new pairs are chosen among the current policy's clips: 'uniform'
   * (unset) or 'disagreement' of an ensemble of r(s, a) models (ensembleSize members, oversample
   * candidates per pair, ensembleSteps Adam steps per iteration). The discrete engines read querySelection.
   */
  pairSelection: z.enum(['uniform', 'disagreement']).optional(),
  /**
   * Continuous-action runs: the length of a COLLECTION episode (env steps before a reset; the
   * env's full episode when unset or larger). Evaluation always runs the env's full episode.
   */
  collectEpisodeSteps: z.number().int().min(1).max(100_000).optional(),
});
export type NeuralSettings = z.infer<typeof neuralSettingsSchema>;

/**
 * The algorithm settings that take a word instead of a number (SoBiRL's exploration half,
 * trainer/algorithms/exploration-half.ts), with the words each accepts. Every other override is a
 * number or a boolean.
 */
export const STRING_ALGORITHM_SETTINGS: Readonly<Record<string, readonly string[]>> = {
  exploreData: ['fresh', 'weighted'],
  exploreSchedule: ['per-iteration', 'per-step'],
  // How G_Q - G_V is estimated (neural and continuous SoBiRL): simulator rollouts or the one-step form.
  gradient: ['rollout', 'one-step'],
  // SoBiRL on tabular envs: where grad(Q - V) comes from (algorithms/tabular-scores.ts; `simulate --gradient`).
  gradientSource: ['exact', 'rollout', 'suffix'],
};

/** The settings as a form or `runs.create` gives them (typed input; every field has a default). */
export const runSettingsSchema = z.object({
  /** Seeds every random choice of the run (clips, ensembles, Stoc-SoBiRL batches). */
  seed: z.number().int().min(0).default(0),
  /** Discount of the lower-level soft MDP (unset: the env's default, rlhf-defaults.ts). */
  gamma: z.number().gt(0).lt(1).optional(),
  /** Entropy weight tau of the soft-optimal policy (unset: the env's default). */
  tau: z.number().gt(0).optional(),
  /** Steps per clip, segment length H (unset: the env's default). */
  horizon: z.number().int().min(1).max(500).optional(),
  /** Tabular reward features: one-hot 'state' or 'state-action' (see tabular-rlhf.ts). */
  features: z.enum(['state', 'state-action']).default('state'),
  /** Tabular envs: where clips and the exact evaluation start: 'uniform', 'far' or a state index (trainer/envs/start.ts). */
  start: text(20).trim().min(1).default('uniform'),
  /** How new pairs are chosen among candidates from the current policy. */
  querySelection: z.enum(QUERY_SELECTIONS).default('disagreement'),
  /** Candidate pairs drawn per pair inserted (disagreement selection only). */
  oversample: z.number().int().min(1).max(100).default(10),
  /** Bootstrap reward models scoring the candidates' disagreement. */
  ensembleSize: z.number().int().min(2).max(20).default(5),
  /** Keep at least this many times label_batch_size pairs pending (annotators never wait). */
  pendingFactor: z.number().min(1).max(20).default(2),
  /** Train on fewer than label_batch_size new labels once the oldest has waited this long. */
  iterationTimeoutMs: z.number().int().min(0).default(60_000),
  /** Delete unlabeled, unleased pending pairs from older checkpoints when new ones arrive. */
  retireStalePairs: z.boolean().default(true),
  /** Chance that label.next offers one of the run's gold pairs (admin-marked answers) before the normal pick. */
  goldRate: z.number().min(0).max(0.5).default(0.1),
  /** Overrides of the algorithm's own config (e.g. { upperSteps: 20, lr: 0.05 }). */
  algorithm: z.record(text(100), z.union([z.number(), z.boolean(), text(40)])).superRefine((overrides, ctx) => {
    for (const [key, value] of Object.entries(overrides)) {
      if (typeof value !== 'string') continue;
      const allowed = STRING_ALGORITHM_SETTINGS[key];
      if (!allowed) ctx.addIssue({ code: 'custom', path: [key], message: `${key} takes a number or true/false, not a string` });
      else if (!allowed.includes(value)) ctx.addIssue({ code: 'custom', path: [key], message: `${key} must be one of ${allowed.join(', ')}, got '${value}'` });
    }
  }).default({}),
  /** Neural runs (cartpole, ...): overrides of DEFAULT_NEURAL_RUN (see neuralSettingsSchema). */
  neural: neuralSettingsSchema.optional(),
  /** Scripted teachers answer this run's queue through label.next / label.submit. */
  simulate: simulateConfigSchema.optional(),
});
/** The settings as stored: gamma, tau and horizon may be absent (the env decides). */
export type RunSettings = z.infer<typeof runSettingsSchema>;
/** The settings the trainer uses: every field resolved, gamma / tau / horizon from the env when unset. */
export type RunConfig = RunSettings & { gamma: number; tau: number; horizon: number };

/** A stored `runs.config`, as the service reads it. */
export const runConfigSchema = z.preprocess(
  // The demo seed names the clip length `clipLength`; the trainer calls it `horizon`.
  (raw) => {
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
      const o = raw as Record<string, unknown>;
      if (o.horizon === undefined && typeof o.clipLength === 'number') return { ...o, horizon: o.clipLength };
    }
    return raw ?? {};
  },
  runSettingsSchema,
);

/** gamma, tau and horizon left unset take the env's values (trainer/envs/rlhf-defaults.ts). */
export function withEnvDefaults<T extends RunSettings>(envId: string, settings: T): T & RunConfig {
  const d = rlhfDefaults(envId);
  return { ...settings, gamma: settings.gamma ?? d.gamma, tau: settings.tau ?? d.tau, horizon: settings.horizon ?? d.horizon };
}

/** Parses a stored config and resolves it for the run's env; throws with every offending field named. */
export function resolveRunConfig(envId: string, raw: unknown): RunConfig {
  const parsed = runConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ');
    throw new Error(`run config: ${problems}`);
  }
  return withEnvDefaults(envId, parsed.data);
}

/**
 * `runs.create`'s input: one schema for the server and the "New run" form (pure: zod and the
 * env registry, no database, no tfjs), so the form shows exactly the defaults the server applies.
 */
const createRunFields = z.object({
  name: text(200).trim().min(1),
  // An own-property lookup: `id in ENVS` also matched inherited names (`__proto__`, `toString`).
  envId: text(100).refine((id) => ALL_ENV_IDS.includes(id), { message: `unknown environment; known: ${ALL_ENV_IDS.join(', ')}` }),
  algorithm: z.enum(RUN_ALGORITHMS).default('sobirl'),
  instructions: text(2000).trim().min(1),
  labelsWanted: z.number().int().min(1).max(10).default(1),
  labelBatchSize: z.number().int().min(1).max(1024).default(16),
  config: runSettingsSchema.prefault({}),
}).superRefine((input, ctx) => {
  if (!ALL_ENV_IDS.includes(input.envId)) return; // envId's own check reports it
  const env = Object.hasOwn(ENVS, input.envId) ? ENVS[input.envId] : undefined;
  if (input.config.simulate?.judgement === 'scripted' && !env?.progress) {
    ctx.addIssue({
      code: 'custom', path: ['config', 'simulate', 'judgement'],
      message: `no scripted judgement for '${input.envId}' (its true reward already tells clips apart); choose 'true-reward', or one of ${envsWithProgress().join(', ')}`,
    });
  }
  if (!env?.tabular) {
    if (input.config.start !== 'uniform') ctx.addIssue({ code: 'custom', path: ['config', 'start'], message: `a start state needs a tabular environment; '${input.envId}' starts as its env resets` });
    return;
  }
  try {
    parseStart(input.config.start, env);
  } catch (error) {
    ctx.addIssue({ code: 'custom', path: ['config', 'start'], message: (error as Error).message.replace(/^start: /, '') });
  }
});

/**
 * The input as parsed, with gamma / tau / horizon filled from the chosen env when left unset,
 * and refused (400, naming the field and the limit) when its implied memory or work per
 * iteration exceeds run-budget.ts's limits.
 */
export const createRunInputSchema = createRunFields.transform((input, ctx) => {
  const resolved = { ...input, config: withEnvDefaults(input.envId, input.config) };
  const issues = runBudgetIssues(resolved);
  for (const issue of issues) ctx.issues.push({ code: 'custom', message: issue.message, path: issue.path, input: resolved });
  return issues.length > 0 ? z.NEVER : resolved;
});
export type CreateRunInput = z.output<typeof createRunInputSchema>;

/** The run-level defaults of `createRunInputSchema`. */
export const CREATE_RUN_DEFAULTS = {
  algorithm: createRunFields.shape.algorithm.parse(undefined),
  labelsWanted: createRunFields.shape.labelsWanted.parse(undefined),
  labelBatchSize: createRunFields.shape.labelBatchSize.parse(undefined),
};

/** The settings a run of `envId` gets when the form is left untouched (what the form shows). */
export function settingsDefaultsFor(envId: string): RunConfig {
  return withEnvDefaults(envId, runSettingsSchema.parse({}));
}

/**
 * An algorithm's defaults with a run's `algorithm` overrides applied: only keys the defaults
 * have, and only with a value of the same type (a stray or mistyped key cannot reach the
 * algorithm; both engines use this).
 */
export function withOverrides<T extends object>(defaults: T, overrides: Readonly<Record<string, number | boolean | string>>): T {
  const base = defaults as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (Object.hasOwn(base, key) && typeof base[key] === typeof value) out[key] = value;
  }
  return out as T;
}

import { z } from 'zod';
import { ENVS } from '../envs';
import { BPREF_TEACHERS } from '../teachers/presets';

/**
 * What a run's `config` JSON column may hold, with the defaults the trainer service uses. The
 * same schema validates `runs.create` (server) and the service's read of a run, so a run the UI
 * creates is one the service can train. Unknown keys are dropped (the demo seed stores notes such
 * as `source`), never an error: an old run must not stop training because a key was retired.
 */

export const RUN_ALGORITHMS = ['sobirl', 'm-sobirl', 'stoc-sobirl', 'drlhf', 'oracle'] as const;
export type RunAlgorithm = (typeof RUN_ALGORITHMS)[number];

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
  /** Simulated annotator accounts answering in parallel. */
  annotators: z.number().int().min(1).max(200).default(1),
  /** Labels per second per simulated annotator; 0 = as fast as the queue allows. */
  labelsPerSecond: z.number().min(0).default(1),
});
export type SimulateConfig = z.infer<typeof simulateConfigSchema>;

/** The settings as a form or `runs.create` gives them (typed input; every field has a default). */
export const runSettingsSchema = z.object({
  /** Seeds every random choice of the run (clips, ensembles, Stoc-SoBiRL batches). */
  seed: z.number().int().min(0).default(0),
  /** Discount of the lower-level soft MDP. */
  gamma: z.number().gt(0).lt(1).default(0.9),
  /** Entropy weight tau of the soft-optimal policy. */
  tau: z.number().gt(0).default(0.1),
  /** Steps per clip (segment length H). */
  horizon: z.number().int().min(1).max(500).default(12),
  /** Tabular reward features: one-hot 'state' or 'state-action' (see tabular-rlhf.ts). */
  features: z.enum(['state', 'state-action']).default('state'),
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
  algorithm: z.record(z.string(), z.union([z.number(), z.boolean()])).default({}),
  /** Scripted teachers answer this run's queue through label.next / label.submit. */
  simulate: simulateConfigSchema.optional(),
});
export type RunConfig = z.infer<typeof runSettingsSchema>;

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

/** Parses a stored config; throws with every offending field named. */
export function parseRunConfig(raw: unknown): RunConfig {
  const parsed = runConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; ');
    throw new Error(`run config: ${problems}`);
  }
  return parsed.data;
}

/**
 * `runs.create`'s input: one schema for the server and the "New run" form (pure: zod and the
 * env registry, no database, no tfjs), so the form shows exactly the defaults the server applies.
 */
export const createRunInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  envId: z.string().refine((id) => id in ENVS, { message: `unknown environment; known: ${Object.keys(ENVS).join(', ')}` }),
  algorithm: z.enum(RUN_ALGORITHMS).default('sobirl'),
  instructions: z.string().trim().min(1).max(2000),
  labelsWanted: z.number().int().min(1).max(10).default(1),
  labelBatchSize: z.number().int().min(1).max(1024).default(16),
  config: runSettingsSchema.prefault({}),
});
export type CreateRunInput = z.output<typeof createRunInputSchema>;

/** The run-level defaults of `createRunInputSchema`. */
export const CREATE_RUN_DEFAULTS = {
  algorithm: createRunInputSchema.shape.algorithm.parse(undefined),
  labelsWanted: createRunInputSchema.shape.labelsWanted.parse(undefined),
  labelBatchSize: createRunInputSchema.shape.labelBatchSize.parse(undefined),
};

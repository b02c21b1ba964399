/**
 * The neural engine's schedule and upper levels (trainer/service/neural-engine.ts builds a run's
 * learner from them; the service and `simulate` run that one engine): what one outer iteration
 * collects, trains and evaluates, and which upper level each algorithm gets.
 */
import { z } from 'zod';
import type { Env } from '../../envs/types';
import { assertSupported, type AlgorithmName } from '../../contracts/algorithms';
import { DEFAULT_NEURAL_DRLHF, makeNeuralDrlhf, type NeuralDrlhfConfig } from './drlhf';
import type { NeuralUpperLevel } from './learner';
import { DEFAULT_LOWER_LEVEL, type LowerLevelConfig } from './lower-level';
import { DEFAULT_NEURAL_SOBIRL, makeNeuralSobirl, type NeuralSobirlConfig } from './sobirl';
import { DEFAULT_NEURAL_STOC_SOBIRL, makeNeuralStocSobirl, type NeuralStocSobirlConfig } from './stoc-sobirl';

export interface NeuralRunConfig {
  /** Env steps collected with the current policy per outer iteration. */
  envStepsPerIter: number;
  /** Episodes stepped in parallel during collection (one policy pass per step for all). */
  numEnvs: number;
  /**
   * Probability of repeating the previous action while collecting (experience.ts: temporally
   * extended exploration; 0 = sample every step from the soft policy). Optional: absent = 0.
   */
  actionPersistence?: number;
  /** Evaluation episodes after each outer iteration (metrics only; not in the replay). */
  evalEpisodes: number;
  /** Evaluation episodes for the final point (a less noisy finalReturn). */
  finalEvalEpisodes: number;
  /**
   * Also evaluate the greedy policy argmax_a Q(s, a) (same episode counts, its own Rng stream)
   * into the metric 'return/greedy'. The curve and finalReturn stay the sampled soft policy's.
   */
  evalGreedy?: boolean;
  lowerLevel: LowerLevelConfig;
  sobirl: NeuralSobirlConfig;
  drlhf: NeuralDrlhfConfig;
  stocSobirl: NeuralStocSobirlConfig;
}

export const DEFAULT_NEURAL_RUN: NeuralRunConfig = {
  envStepsPerIter: 2000,
  numEnvs: 4,
  // The sampled soft policy's cartpole returns vary widely from episode to episode (anywhere
  // in 0..500), so 5 and 20 episodes left curve points and finalReturn with a standard error
  // of tens of return units. Evaluation has its own Rng stream and does not change training;
  // 10 and 50 episodes add a few seconds per seed.
  evalEpisodes: 10,
  finalEvalEpisodes: 50,
  evalGreedy: true,
  lowerLevel: DEFAULT_LOWER_LEVEL,
  sobirl: DEFAULT_NEURAL_SOBIRL,
  drlhf: DEFAULT_NEURAL_DRLHF,
  stocSobirl: DEFAULT_NEURAL_STOC_SOBIRL,
};

/** The soft lower level's settings the upper level differentiates through. */
export interface SoftSettings {
  gamma: number;
  tau: number;
}

/** The algorithm's upper level on `env` (the registry, trainer/contracts/algorithms.ts, refuses what cannot run there). */
export function makeNeuralUpperLevel(algo: AlgorithmName, env: Env, opts: SoftSettings, seed: number, config: NeuralRunConfig): NeuralUpperLevel {
  const A = env.actionNames.length, O = env.observationSize;
  assertSupported(algo, env.id, 'simulate');
  switch (algo) {
    case 'sobirl': return makeNeuralSobirl(O, A, seed, opts.gamma, opts.tau, config.sobirl);
    case 'drlhf': return makeNeuralDrlhf(O, A, seed, config.drlhf);
    case 'stoc-sobirl': return makeNeuralStocSobirl(O, A, seed, opts.gamma, opts.tau, config.stocSobirl);
    case 'm-sobirl':
    case 'pbrl':
    case 'hpgd':
      throw new Error(`${algo} on a tabular env: the tabular engine trains it`);
    case 'oracle':
      throw new Error('the oracle has no upper level');
  }
}


const steps = z.number().int().min(0).max(10_000);
const batch = z.number().int().min(1).max(4096);
const weight = z.number().min(0).max(1000);
/** The part of an upper level's settings both SoBiRL variants share (sobirl.ts documents each). */
const explorationFields = {
  upperSteps: steps, batchSize: batch, exploreCoef: weight, exploreClip: z.number().gt(0).max(1e6),
  exploreWarmup: steps, baseline: z.boolean(), gradient: z.enum(['rollout', 'one-step']),
  rolloutSteps: z.number().int().min(1).max(1000), stepsPerSegment: z.number().int().min(1).max(1000), rewardL2: weight,
};

/**
 * The flat overrides a neural run's `algorithm` record may hold, per algorithm (the nested
 * `rewardModel` is not one of them: a run's `neural.hiddenSizes` sets its widths). Strict: the
 * service applies overrides leniently (withOverrides skips an unknown key), so a typo here is
 * an error naming the key instead of a silently ignored setting.
 */
export const NEURAL_ALGORITHM_OVERRIDES = {
  sobirl: z.strictObject({ ...explorationFields, exploreGate: z.enum(['none', 'fresh-fit']) }).partial(),
  'stoc-sobirl': z.strictObject({ ...explorationFields, beta0: z.number().gt(0).max(10), muScale: z.number().gt(0).max(1e6) }).partial(),
  drlhf: z.strictObject({ upperSteps: steps, batchSize: batch, rewardL2: weight }).partial(),
  oracle: z.strictObject({}),
} as const;

/** Checks a neural run's algorithm overrides; throws an Error naming the first bad field. */
export function checkNeuralOverrides(algo: AlgorithmName, overrides: Readonly<Record<string, unknown>>): void {
  const schema = Object.hasOwn(NEURAL_ALGORITHM_OVERRIDES, algo) ? NEURAL_ALGORITHM_OVERRIDES[algo as keyof typeof NEURAL_ALGORITHM_OVERRIDES] : null;
  if (!schema) throw new Error(`${algo} does not train on neural environments`);
  const parsed = schema.safeParse(overrides);
  if (parsed.success) return;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(schema.shape);
    throw new Error(`'${issue.keys[0]}' is not a setting of ${algo}; known: ${known.length ? known.join(', ') : 'none (the oracle has no upper level)'}`);
  }
  throw new Error(`${algo}.${issue.path.join('.')}: ${issue.message}`);
}

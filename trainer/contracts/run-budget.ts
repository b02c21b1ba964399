/**
 * What one run may cost the trainer, derived from its settings, and the limits `runs.create`
 * enforces (the "New run" form shows them). Pure: zod-free arithmetic over the env registry, so
 * the server, the form and the trainer agree.
 *
 * Why: a run's settings decide the trainer's memory and the time of each iteration, and the
 * trainer is one process for every run. Measured before these limits: `labelBatchSize 1024,
 * pendingFactor 20, oversample 100, horizon 500` on grid5 grew the trainer to 4.3 GB in 65 s
 * and killed it (all 20,480 x 100 candidate pairs of 2 x 501 states were built at once).
 *
 * The quantities, each bounded by one limit:
 * - pending target = pendingFactor x labelBatchSize pairs (the queue the trainer keeps; the
 *   measured, rate-based target of store.ts `pendingTargetFor` is capped by the same limit);
 * - candidate env steps per refill = pending target x oversample x 2 clips x horizon (the
 *   disagreement scoring draws that many; nextPairs scores them in bounded chunks, so this bounds
 *   TIME: ~2 us per step on grid5 here, the limit is about a second);
 * - label batch steps = labelBatchSize x 2 clips x horizon (the states an iteration's new labels
 *   bring into the reward model's batch);
 * - replay bytes (neural runs) = replayCapacity x (2 x observationSize x 4 + 8) bytes: obs and
 *   next obs as float32, action and done flag.
 */
import { ALL_ENV_IDS, ENVS, getAnyEnv } from '../envs';
import { isContinuousEnv } from '../envs/types';

export const RUN_LIMITS = {
  /** Pairs kept pending for a run (pendingFactor x labelBatchSize, and the measured target). */
  pendingPairs: 2000,
  /** Env steps drawn for the candidates of one refill (pending target x oversample x 2 x horizon). */
  candidateSteps: 1_000_000,
  /** Env steps in one label batch (labelBatchSize x 2 x horizon). */
  labelBatchSteps: 200_000,
  /** Bytes of a neural run's replay buffer. */
  replayBytes: 256 * 1024 * 1024,
} as const;

/** Default neural replay capacity when the run leaves it unset (DEFAULT_NEURAL_RUN, trainer/algorithms/neural/run-config.ts). */
const DEFAULT_REPLAY_CAPACITY = 50_000;

export interface BudgetInput {
  envId: string;
  labelBatchSize: number;
  config: {
    pendingFactor: number;
    oversample: number;
    horizon: number;
    querySelection: string;
    neural?: { replayCapacity?: number | undefined } | undefined;
  };
}

export interface BudgetIssue {
  /** Where the form and `runs.create`'s 400 point: ['config', 'pendingFactor'], ... */
  path: string[];
  message: string;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Bytes per replayed transition for an env (float32 obs and next obs, action (a float32 vector on continuous envs) and done; plus the true reward on continuous ones). */
export function replayBytesPerTransition(envId: string): number {
  const env = ALL_ENV_IDS.includes(envId) ? getAnyEnv(envId) : null;
  const obs = env?.observationSize ?? 1;
  if (env && isContinuousEnv(env)) return 2 * obs * 4 + 4 * env.actionSpace.low.length + 8;
  return 2 * obs * 4 + 8;
}

/** The largest replayCapacity the limit allows for an env (the form shows it). */
export function maxReplayCapacity(envId: string): number {
  return Math.floor(RUN_LIMITS.replayBytes / replayBytesPerTransition(envId));
}

/** The largest oversample the limit allows for a pending target and horizon (the form shows it). */
export function maxOversample(pendingTarget: number, horizon: number): number {
  return Math.max(1, Math.floor(RUN_LIMITS.candidateSteps / Math.max(1, pendingTarget * 2 * horizon)));
}

/**
 * How many candidate pairs one refill may draw for `count` pairs wanted: count x oversample,
 * cut to the candidate-step limit (never below count). The measured pending target can exceed
 * pendingFactor x labelBatchSize, so the trainer applies this cut on top of the schema's check.
 */
export function candidatePairsFor(count: number, oversample: number, horizon: number): number {
  const byLimit = Math.floor(RUN_LIMITS.candidateSteps / Math.max(1, 2 * horizon));
  return Math.max(count, Math.min(count * oversample, byLimit));
}

/** Every limit the settings exceed, each naming its field, the implied amount and the limit. */
export function runBudgetIssues(input: BudgetInput): BudgetIssue[] {
  const { config } = input;
  const issues: BudgetIssue[] = [];
  const pendingTarget = Math.ceil(config.pendingFactor * input.labelBatchSize);
  if (pendingTarget > RUN_LIMITS.pendingPairs) {
    issues.push({
      path: ['config', 'pendingFactor'],
      message: `pendingFactor x labelBatchSize = ${fmt(pendingTarget)} pending pairs; the limit is ${fmt(RUN_LIMITS.pendingPairs)} (lower pendingFactor or labelBatchSize)`,
    });
  }
  if (config.querySelection === 'disagreement') {
    const steps = Math.min(pendingTarget, RUN_LIMITS.pendingPairs) * config.oversample * 2 * config.horizon;
    if (steps > RUN_LIMITS.candidateSteps) {
      issues.push({
        path: ['config', 'oversample'],
        message: `oversample ${config.oversample}: pending pairs x oversample x 2 x horizon = ${fmt(steps)} candidate env steps per refill; the limit is ${fmt(RUN_LIMITS.candidateSteps)} (oversample at most ${maxOversample(Math.min(pendingTarget, RUN_LIMITS.pendingPairs), config.horizon)} here)`,
      });
    }
  }
  const batchSteps = input.labelBatchSize * 2 * config.horizon;
  if (batchSteps > RUN_LIMITS.labelBatchSteps) {
    issues.push({
      path: ['config', 'horizon'],
      message: `horizon ${config.horizon}: labelBatchSize x 2 x horizon = ${fmt(batchSteps)} env steps per label batch; the limit is ${fmt(RUN_LIMITS.labelBatchSteps)}`,
    });
  }
  const trainsReplay = ALL_ENV_IDS.includes(input.envId) && !(Object.hasOwn(ENVS, input.envId) && ENVS[input.envId]!.tabular !== undefined);
  if (trainsReplay) {
    const capacity = config.neural?.replayCapacity ?? DEFAULT_REPLAY_CAPACITY;
    const bytes = capacity * replayBytesPerTransition(input.envId);
    if (bytes > RUN_LIMITS.replayBytes) {
      issues.push({
        path: ['config', 'neural', 'replayCapacity'],
        message: `replayCapacity ${fmt(capacity)} transitions = ${fmt(Math.round(bytes / 2 ** 20))} MiB on ${input.envId}; the limit is ${fmt(RUN_LIMITS.replayBytes / 2 ** 20)} MiB (at most ${fmt(maxReplayCapacity(input.envId))} transitions)`,
      });
    }
  }
  return issues;
}

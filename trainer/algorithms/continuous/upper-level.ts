/**
 * What the continuous upper levels share: their interface, their settings, the labelled data
 * they see, and the one gradient estimate g(D; x) of the SoBiRL hyper-gradient
 *   g = grad_x mean_D[l] + coef * tau^-1 * mean_fresh[ stopgrad(l - b) * sum_i sum_h grad(G_Q - G_V)(s_h, a_h; x) ]
 * (exploitation on a mini-batch of every label, exploration on this iteration's fresh pairs, as
 * in trainer/algorithms/neural/sobirl.ts, with the same tuned weight and norm cap). DRLHF is g
 * without its second half; SoBiRL takes Adam steps along g, Stoc-SoBiRL STORM momentum steps.
 */
import type { Rng } from '../../core/rng';
import type { AnyContinuousEnv } from '../../envs/types';
import { explorationCoefficients, miniBatchIndices } from '../neural/neural-rlhf';
import type { StateSections } from './sac';
import type { ContinuousLabeledPair, ContinuousPolicy } from './experience';
import { collectContinuousExplorationRows, type ContinuousExplorationRows } from './exploration-rows';
import { ContinuousRewardModel, subPairBatch, type ContinuousPairBatch } from './reward-model';

export interface ContinuousUpperConfig {
  /** Reward-model steps per outer iteration. */
  upperSteps: number;
  /** Labelled pairs per exploitation mini-batch. */
  batchSize: number;
  /** Weight of the exploration half (1 = the exact hyper-gradient, 0 = DRLHF's direction). */
  exploreCoef: number;
  /** Cap on ||exploration|| as a multiple of ||exploitation|| (Infinity = none; see neural/sobirl.ts). */
  exploreClip: number;
  /** Outer iterations with exploration off at the start. */
  exploreWarmup: number;
  /** Subtract the other pairs' mean loss in the exploration half (variance reduction). */
  baseline: boolean;
  /** How G_Q - G_V is estimated: simulator rollouts from the stored states, or the one-step form. */
  gradient: 'rollout' | 'one-step';
  /** T: rollout length. */
  rolloutSteps: number;
  /** Steps per clip used in the exploration sum. */
  stepsPerSegment: number;
  /** K: sampled actions estimating G_V(s) = E_pi G_Q(s, a). */
  actionSamples: number;
  /** Penalty weight on mean r_x^2 over labelled steps (fixes the reward's scale). */
  rewardL2: number;
  /** Reward network. */
  hiddenSizes: number[];
  learningRate: number;
  weightDecay: number;
  /** Stoc-SoBiRL: beta_t = beta0 / (t + 1)^(1/3), mu_t = min(1, muScale beta_t^2). */
  beta0: number;
  muScale: number;
}

export const DEFAULT_CONTINUOUS_UPPER: ContinuousUpperConfig = {
  upperSteps: 50,
  batchSize: 64,
  exploreCoef: 0.05,
  exploreClip: 0.25,
  exploreWarmup: 2,
  baseline: true,
  gradient: 'rollout',
  rolloutSteps: 10,
  stepsPerSegment: 3,
  actionSamples: 4,
  rewardL2: 0.1,
  hiddenSizes: [64, 64],
  learningRate: 1e-3,
  weightDecay: 1e-2,
  beta0: 0.05,
  muScale: 100,
};

export interface ContinuousUpperInput {
  env: AnyContinuousEnv;
  /** Every label so far, packed. */
  all: ContinuousPairBatch;
  /** This iteration's pairs, drawn from the current policy (null: none). */
  fresh: ContinuousPairBatch | null;
  freshPairs: readonly ContinuousLabeledPair[];
  /** pi_k, fixed during the upper steps (the rollouts use it). */
  policy: ContinuousPolicy;
  /** The lower level's entropy weight now (fixed tau, or SAC's auto-tuned alpha). */
  tau: number;
  gamma: number;
  /** Outer iteration index (exploration warm-up). */
  k: number;
  /** This iteration's random stream (mini-batches, rollouts). */
  rng: Rng;
}

export interface ContinuousUpperMetrics {
  'loss/preference': number;
  'loss/objective': number;
  'hypergrad/norm': number;
  'hypergrad/exploit': number;
  'hypergrad/explore': number;
}

export interface ContinuousUpperLevel {
  readonly name: string;
  readonly rewardModel: ContinuousRewardModel;
  update(input: ContinuousUpperInput, pause?: () => Promise<void>): Promise<ContinuousUpperMetrics>;
  /** The step's own state beyond the reward weights (Adam moments, momentum), for checkpoints. */
  exportState(): StateSections;
  importState(state: StateSections): void;
}

export function makeContinuousRewardModel(env: AnyContinuousEnv, config: ContinuousUpperConfig, seed: number): ContinuousRewardModel {
  return new ContinuousRewardModel({
    obsSize: env.observationSize, actionSize: env.actionSpace.low.length, hiddenSizes: [...config.hiddenSizes],
    learningRate: config.learningRate, weightDecay: config.weightDecay, seed,
  });
}

/** The exploration rows of this iteration, or null (warm-up, no fresh pairs, or coef 0). */
export function explorationRowsFor(input: ContinuousUpperInput, config: ContinuousUpperConfig): ContinuousExplorationRows | null {
  if (input.k < config.exploreWarmup || !input.fresh || input.fresh.count === 0 || !(config.exploreCoef > 0)) return null;
  const rows = collectContinuousExplorationRows(input.env, input.policy, input.freshPairs, {
    rolloutSteps: config.gradient === 'one-step' ? 1 : config.rolloutSteps,
    stepsPerSegment: config.stepsPerSegment,
    actionSamples: config.actionSamples,
    gamma: input.gamma,
  }, input.rng);
  return rows.count > 0 ? rows : null;
}

export function norm(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

export interface GradientEstimate {
  loss: number;
  g: Float32Array;
  exploitNorm: number;
  exploreNorm: number;
}

/** g(D; x) at the model's current weights on the mini-batch `batch` (rows null: exploitation only). */
export function estimateGradient(
  model: ContinuousRewardModel, batch: ContinuousPairBatch, fresh: ContinuousPairBatch | null, rows: ContinuousExplorationRows | null,
  tau: number, config: ContinuousUpperConfig,
): GradientEstimate {
  const exploit = model.exploitationGradient(batch, config.rewardL2);
  const exploitNorm = norm(exploit.grad);
  if (!rows || !fresh) return { loss: exploit.value, g: exploit.grad, exploitNorm, exploreNorm: 0 };
  // stopgrad(l - b): plain numbers at the current x.
  const coef = explorationCoefficients(model.pairLosses(fresh), tau, config.baseline);
  const w = Float32Array.from(rows.weights, (v, i) => v * coef[rows.pair[i]!]!);
  const explore = model.linearGradient(rows.obs, rows.actions, w, rows.count);
  const raw = config.exploreCoef * norm(explore);
  const scale = raw > config.exploreClip * exploitNorm ? (config.exploreClip * exploitNorm) / raw : 1;
  const g = Float32Array.from(exploit.grad, (v, i) => v + config.exploreCoef * scale * explore[i]!);
  return { loss: exploit.value, g, exploitNorm, exploreNorm: scale * raw };
}

/** A mini-batch of every label so far. */
export function miniBatch(all: ContinuousPairBatch, config: ContinuousUpperConfig, rng: Rng): ContinuousPairBatch {
  return subPairBatch(all, miniBatchIndices(all.count, config.batchSize, rng));
}

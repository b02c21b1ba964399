/**
 * SoBiRL, neural (model-free hyper-gradient; docs/algorithms.md "Hyper-gradient, model-free form"):
 *
 *   grad phi = E[grad_x l(d1, d2, y; x)] + tau^-1 E[(l - b) * sum_i sum_h grad(Q - V)(s_h^i, a_h^i)]
 *
 * as the gradient of ONE scalar surrogate per upper step:
 *   L(x) = mean_batch[l] + coef * tau^-1 * mean_fresh[ stopgrad(l - b) * sum_i sum_h (G_Q - G_V)(s_h, a_h; x) ]
 * Exploitation runs on mini-batches of every label (what DRLHF fits); exploration on this
 * iteration's fresh pairs only, because the log-probability trick holds for pairs sampled from
 * the policy it differentiates (older pairs came from other policies). G_Q - G_V is a weighted
 * sum of r_x over rows collected once per outer iteration by simulator rollouts from the stored
 * states (exploration-rows.ts); the rows depend on pi_k and the states only, so every upper step
 * re-evaluates them at the current x in one tfjs call. `gradient: 'one-step'` is the authors'
 * cheap variant (T = 1: grad r(s, a_h) - sum_a pi(a|s) grad r(s, a)). Exploration is off for
 * the first `exploreWarmup` outer iterations, as in the authors' code.
 * Measured on cartpole (tau = 0.05, 50 fresh pairs): the raw exploration gradient was 10-700x
 * the exploitation one, and one such step blew the reward scale up (mean r_x 0.5 -> 12) and
 * wrecked the Q network. So, as the authors treat it, its weight `exploreCoef` is a tuned
 * coefficient, and its norm is capped at `exploreClip` x the exploitation norm (a biased but
 * stable step; `exploreCoef: 1, exploreClip: Infinity` is the plain estimator).
 */
import { makeRng } from '../../core/rng';
import { RewardModel, makeRewardModelConfig, type RewardModelConfig } from '../../models/reward-model';
import { collectExplorationRows } from './exploration-rows';
import type { NeuralUpperLevel, UpperLevelInput } from './learner';
import {
  addScaled, disposeGrads, explorationCoefficients, explorationSurrogate, exploitationLoss, globalNorm, gradsOf,
  meanPairLoss, miniBatchIndices, pairLosses, subBatch,
} from './neural-rlhf';

export interface NeuralSobirlConfig {
  /** Adam steps on the reward model per outer iteration (DRLHF gets the same budget). */
  upperSteps: number;
  /** Labelled pairs per exploitation mini-batch (drawn from all labels). */
  batchSize: number;
  /** Weight of the exploration half (1 = the exact hyper-gradient; 0 = DRLHF). Below 1 as in the authors' code, where it is a tuned coefficient. */
  exploreCoef: number;
  /**
   * Cap on ||exploration grad|| as a multiple of ||exploitation grad|| (Infinity = no cap). With a
   * small tau the tau^-1 term is a high-variance estimate tens of times larger than the
   * exploitation half on 50 pairs; uncapped, one noisy step can blow the reward scale up.
   */
  exploreClip: number;
  /** Outer iterations with exploration off at the start (the authors' code warms up too). */
  exploreWarmup: number;
  /**
   * 'fresh-fit': scale the exploration half by how much of the fresh labels' uncertainty the
   * current reward explains (see `freshFitGate`); 'none': the plain (clipped) exploration half.
   */
  exploreGate?: 'none' | 'fresh-fit';
  /** Subtract the batch-mean loss in the exploration half (variance reduction, same mean). */
  baseline: boolean;
  /** How G_Q - G_V is estimated: simulator rollouts of `rolloutSteps`, or the one-step variant. */
  gradient: 'rollout' | 'one-step';
  /** T: rollout length for G (gamma^T of the tail is dropped). */
  rolloutSteps: number;
  /** Steps h per segment used in the exploration sum (subsampled, reweighted: unbiased). */
  stepsPerSegment: number;
  /** Penalty weight on mean r_x^2 over labelled steps (fixes the reward's scale; see neural-rlhf.ts). */
  rewardL2: number;
  /** Reward network settings (hidden sizes, lr, weight decay, seed). */
  rewardModel: Partial<RewardModelConfig>;
}

export const DEFAULT_NEURAL_SOBIRL: NeuralSobirlConfig = {
  upperSteps: 30,
  batchSize: 64,
  exploreCoef: 0.05,
  // 1 x the exploitation norm let one capped step of label-noise-driven exploration undo the
  // label fit once the policy balanced (cartpole: loss over all labels 0.5 -> 1.5, then the
  // policy fell; README, "cartpole results"). At 0.25 no such jump on the tuning seeds.
  exploreClip: 0.25,
  exploreWarmup: 2,
  baseline: true,
  gradient: 'rollout',
  rolloutSteps: 15,
  stepsPerSegment: 3,
  rewardL2: 0.1,
  rewardModel: { hiddenSizes: [64, 64], learningRate: 1e-3, weightDecay: 1e-2 },
};

/**
 * The exploration coefficient of pair m is stopgrad(l_m - b). With y drawn by the annotator,
 * l_m = E_y[l_m | d1, d2] + label noise, and the noise (variance p(1 - p) * Delta_m^2) is
 * independent of how the clips were sampled: it adds variance to the score-function term and
 * nothing to its mean. The part that carries signal is the part of l explained by the clips.
 * This gate measures that share on THIS iteration's fresh labels, before the reward has been
 * fitted to them (held out), as McFadden's pseudo-R^2 against the coin-flip model:
 *   gate = clamp(1 - mean_m l_m / ln 2, 0, 1).
 * Coin-flip labels (e.g. two cartpole clips that both survive all H steps, beta-1 teacher) give
 * mean l >= ln 2 and gate 0: the exploration half is pure noise there and is switched off;
 * labels the reward already predicts give a gate towards 1. Biased (a multiplicative weight on
 * the tau^-1 term, like exploreCoef), chosen for variance, not exactness.
 */
export function freshFitGate(freshLosses: ArrayLike<number>): number {
  if (freshLosses.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < freshLosses.length; i++) sum += freshLosses[i]!;
  return Math.min(1, Math.max(0, 1 - sum / freshLosses.length / Math.LN2));
}

export function makeNeuralSobirl(
  obsSize: number, numActions: number, seed: number, gamma: number, tau: number,
  config: NeuralSobirlConfig = DEFAULT_NEURAL_SOBIRL,
): NeuralUpperLevel {
  const rewardModel = new RewardModel(makeRewardModelConfig({ ...config.rewardModel, obsSize, numActions, seed: seed * 101 + 3 }));
  const vars = rewardModel.variables();
  const rng = makeRng(seed * 7919 + 5);
  return {
    name: 'sobirl',
    rewardModel,
    async update({ env, all, fresh, freshPairs, policy, k }: UpperLevelInput, pause?: () => Promise<void>) {
      const warm = k >= config.exploreWarmup && fresh.count > 0;
      const gate = warm && config.exploreGate === 'fresh-fit' ? freshFitGate(pairLosses(rewardModel, fresh)) : 1;
      const coefScale = warm ? config.exploreCoef * gate : 0;
      const collected = coefScale > 0 && fresh.count > 0
        ? collectExplorationRows(env, policy, freshPairs, {
          rolloutSteps: config.gradient === 'one-step' ? 1 : config.rolloutSteps,
          stepsPerSegment: config.stepsPerSegment,
          gamma,
        }, rng)
        : null;
      // A (numerically) deterministic policy gives all-zero weights 1[a = a_h] - pi(a|s): no rows.
      const rows = collected && collected.count > 0 ? collected : null;
      let loss = 0, exploitNorm = 0, exploreNorm = 0, norm = 0;
      for (let step = 0; step < config.upperSteps; step++) {
        await pause?.();
        const batch = subBatch(all, miniBatchIndices(all.count, config.batchSize, rng));
        const exploit = gradsOf(() => exploitationLoss(rewardModel, batch, config.rewardL2), vars);
        loss = exploit.value;
        exploitNorm = globalNorm(exploit.grads);
        if (rows) {
          // stopgrad(l - b): the coefficients are plain numbers at the current x.
          const coef = explorationCoefficients(pairLosses(rewardModel, fresh), tau, config.baseline);
          const explore = gradsOf(() => explorationSurrogate(rewardModel, rows, coef), vars);
          const rawNorm = coefScale * globalNorm(explore.grads);
          const scale = rawNorm > config.exploreClip * exploitNorm ? (config.exploreClip * exploitNorm) / rawNorm : 1;
          exploreNorm = scale * rawNorm;
          const total = addScaled(exploit.grads, explore.grads, coefScale * scale);
          norm = globalNorm(total);
          rewardModel.applyGradients(total);
          disposeGrads(exploit.grads, explore.grads, total);
        } else {
          norm = exploitNorm;
          rewardModel.applyGradients(exploit.grads);
          disposeGrads(exploit.grads);
        }
      }
      await pause?.();
      return {
        'loss/preference': meanPairLoss(rewardModel, all), 'loss/objective': loss, 'hypergrad/norm': norm, 'hypergrad/exploit': exploitNorm, 'hypergrad/explore': exploreNorm,
        ...(config.exploreGate === 'fresh-fit' ? { 'hypergrad/gate': warm ? gate : 0 } : {}),
      };
    },
    dispose: () => rewardModel.dispose(),
  };
}

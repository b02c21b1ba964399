/**
 * Stoc-SoBiRL, neural: the SoBiRL estimator g on sampled mini-batches with a STORM-style
 * momentum direction over the reward model's weights (docs/algorithms.md, "The algorithms", Stoc-SoBiRL):
 *   h_t = g(D_t; x_t) + (1 - mu_t) * ( h_{t-1} - g(D_t; x_{t-1}) )
 *   x_{t+1} = x_t - beta_t * h_t
 * The SAME batch D_t is evaluated at the current weights and at a kept copy of the previous
 * ones (swap in, differentiate, swap back): that correction lets the momentum track a moving
 * gradient with small batches. beta_t = beta0 / (t + 1)^(1/3), mu_t = min(1, muScale * beta_t^2)
 * (STORM's a_t = c * eta_t^2), t counting every inner step. Plain steps, no Adam: the momentum
 * is the method.
 * One approximation, said plainly: g's exploration rows belong to pi_k, so at the first inner
 * step of an outer iteration g(D_t; x_{t-1}) uses pi_k's rows, not pi_{k-1}'s (keeping the
 * previous Q network only for that would double the lower level's memory).
 */
import * as tf from '@tensorflow/tfjs';
import { makeRng } from '../../core/rng';
import { RewardModel, makeRewardModelConfig, type RewardModelConfig } from '../../models/reward-model';
import { collectExplorationRows, type ExplorationRows } from './exploration-rows';
import type { NeuralUpperLevel, UpperLevelInput } from './learner';
import {
  addScaled, disposeGrads, explorationCoefficients, exploitationGrads, explorationGrads, globalNorm,
  meanPairLoss, miniBatchIndices, pairLosses, restore, snapshot, subBatch, type Grads, type PairBatch,
} from './neural-rlhf';

export interface NeuralStocSobirlConfig {
  /** Momentum steps on the reward weights per outer iteration. */
  upperSteps: number;
  /** Initial step size beta_0. */
  beta0: number;
  /** mu_t = min(1, muScale * beta_t^2). */
  muScale: number;
  /** Labelled pairs per exploitation mini-batch. */
  batchSize: number;
  /** Weight of the exploration half (see sobirl.ts). */
  exploreCoef: number;
  /** Cap on ||exploration grad|| / ||exploitation grad|| (see sobirl.ts). */
  exploreClip: number;
  /** Outer iterations with exploration off at the start. */
  exploreWarmup: number;
  /** Batch-mean loss baseline in the exploration half. */
  baseline: boolean;
  /** How G_Q - G_V is estimated (see sobirl.ts). */
  gradient: 'rollout' | 'one-step';
  /** T: rollout length for G. */
  rolloutSteps: number;
  /** Steps h per segment used in the exploration sum. */
  stepsPerSegment: number;
  /** Penalty weight on mean r_x^2 over labelled steps (fixes the reward's scale; see neural-rlhf.ts). */
  rewardL2: number;
  /** Reward network settings (its Adam is unused here; hidden sizes and seed are). */
  rewardModel: Partial<RewardModelConfig>;
}

export const DEFAULT_NEURAL_STOC_SOBIRL: NeuralStocSobirlConfig = {
  upperSteps: 30,
  beta0: 0.05,
  muScale: 100,
  batchSize: 64,
  exploreCoef: 0.05,
  exploreClip: 1,
  exploreWarmup: 2,
  baseline: true,
  gradient: 'rollout',
  rolloutSteps: 15,
  stepsPerSegment: 3,
  rewardL2: 0.1,
  rewardModel: { hiddenSizes: [64, 64] },
};

export function makeNeuralStocSobirl(
  obsSize: number, numActions: number, seed: number, gamma: number, tau: number,
  config: NeuralStocSobirlConfig = DEFAULT_NEURAL_STOC_SOBIRL,
): NeuralUpperLevel {
  const rewardModel = new RewardModel(makeRewardModelConfig({ ...config.rewardModel, obsSize, numActions, seed: seed * 101 + 3 }));
  const weights = reward(rewardModel);
  const rng = makeRng(seed * 7919 + 5);
  let h: Grads | null = null;
  let previous: Weights | null = null;
  let t = 0;

  /** g(D; x) at the current weights: exploitation + exploration (on the model's kernel). */
  const estimate = (batch: PairBatch, fresh: PairBatch, rows: ExplorationRows | null) => {
    const exploit = exploitationGrads(rewardModel, batch, config.rewardL2);
    if (!rows || config.exploreCoef === 0) return { loss: exploit.value, g: exploit.grads, exploitNorm: globalNorm(exploit.grads), exploreNorm: 0 };
    const coef = explorationCoefficients(pairLosses(rewardModel, fresh), tau, config.baseline);
    const explore = explorationGrads(rewardModel, rows, coef);
    const exploitNorm = globalNorm(exploit.grads);
    const rawNorm = config.exploreCoef * globalNorm(explore);
    const scale = rawNorm > config.exploreClip * exploitNorm ? (config.exploreClip * exploitNorm) / rawNorm : 1;
    const g = addScaled(exploit.grads, explore, config.exploreCoef * scale);
    const out = { loss: exploit.value, g, exploitNorm, exploreNorm: scale * rawNorm };
    disposeGrads(exploit.grads, explore);
    return out;
  };

  return {
    name: 'stoc-sobirl',
    rewardModel,
    async update({ env, all, fresh, freshPairs, policy, k }: UpperLevelInput, pause?: () => Promise<void>) {
      const collected = k >= config.exploreWarmup && fresh.count > 0
        ? collectExplorationRows(env, policy, freshPairs, {
          rolloutSteps: config.gradient === 'one-step' ? 1 : config.rolloutSteps,
          stepsPerSegment: config.stepsPerSegment,
          gamma,
        }, rng)
        : null;
      // A (numerically) deterministic policy gives all-zero weights 1[a = a_h] - pi(a|s): no rows.
      const rows = collected && collected.count > 0 ? collected : null;
      let last = { loss: 0, exploitNorm: 0, exploreNorm: 0, norm: 0 };
      for (let step = 0; step < config.upperSteps; step++, t++) {
        await pause?.();
        const batch = subBatch(all, miniBatchIndices(all.count, config.batchSize, rng));
        const now = estimate(batch, fresh, rows);
        let direction: Grads;
        if (h && previous) {
          const beta = config.beta0 / Math.cbrt(t + 1);
          const mu = Math.min(1, config.muScale * beta * beta);
          // The same batch at the previous weights: swap them in, differentiate, swap back.
          const current = weights.save();
          weights.load(previous);
          const old = estimate(batch, fresh, rows);
          weights.load(current);
          weights.free(current);
          const correction = addScaled(h, old.g, -1); // h_{t-1} - g(D_t; x_{t-1})
          direction = addScaled(now.g, correction, 1 - mu);
          disposeGrads(now.g, old.g, correction, h);
        } else {
          direction = now.g;
        }
        h = direction;
        if (previous) weights.free(previous);
        previous = weights.save();
        weights.descend(h, config.beta0 / Math.cbrt(t + 1));
        last = { loss: now.loss, exploitNorm: now.exploitNorm, exploreNorm: now.exploreNorm, norm: globalNorm(h) };
      }
      await pause?.();
      return { 'loss/preference': meanPairLoss(rewardModel, all), 'loss/objective': last.loss, 'hypergrad/norm': last.norm, 'hypergrad/exploit': last.exploitNorm, 'hypergrad/explore': last.exploreNorm };
    },
    dispose: () => {
      if (h) disposeGrads(h);
      if (previous) weights.free(previous);
      rewardModel.dispose();
    },
  };
}

/** The reward weights x as the model's kernel holds them: one flat vector (JS kernel) or tfjs tensors. */
type Weights = Float32Array | tf.Tensor[];

/** Save, load and step x in the form of the model's kernel (the gradients come in the same form). */
function reward(model: RewardModel) {
  const vars = model.kernel === 'js' ? null : model.variables();
  return {
    save: (): Weights => (vars ? snapshot(vars) : model.flatWeights()),
    load: (w: Weights) => (w instanceof Float32Array ? model.setFlatWeights(w) : restore(vars!, w)),
    free: (w: Weights) => {
      if (!(w instanceof Float32Array)) tf.dispose(w);
    },
    /** x <- x - beta * direction: a plain step (no Adam; the momentum is the method). */
    descend: (direction: Grads, beta: number) => {
      if (direction instanceof Float32Array) {
        model.setFlatWeights(addScaled(model.flatWeights(), direction, -beta) as Float32Array);
        return;
      }
      tf.tidy(() => {
        for (const v of vars!) v.assign(tf.sub(v, tf.mul(direction[v.name]!, beta)));
      });
    },
  };
}

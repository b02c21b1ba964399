/**
 * DRLHF, neural (Christiano et al. 2017): per outer iteration, Adam steps on the mean
 * Bradley-Terry loss over mini-batches of EVERY label so far; then (in the loop) soft
 * Q-learning under the updated reward. It shares the reward model, optimiser, budget and lower
 * level with SoBiRL; the only difference is the upper-level direction: E[grad_x l] alone.
 */
import { makeRng } from '../../core/rng';
import { RewardModel, makeRewardModelConfig, type RewardModelConfig } from '../../models/reward-model';
import type { NeuralUpperLevel, UpperLevelInput } from './learner';
import { disposeGrads, exploitationGrads, globalNorm, meanPairLoss, miniBatchIndices, subBatch } from './neural-rlhf';

export interface NeuralDrlhfConfig {
  /** Adam steps on the reward model per outer iteration. */
  upperSteps: number;
  /** Labelled pairs per mini-batch (drawn from all labels). */
  batchSize: number;
  /** Penalty weight on mean r_x^2 over labelled steps (fixes the reward's scale; see neural-rlhf.ts). */
  rewardL2: number;
  /** Reward network settings (hidden sizes, lr, weight decay, seed). */
  rewardModel: Partial<RewardModelConfig>;
}

export const DEFAULT_NEURAL_DRLHF: NeuralDrlhfConfig = {
  upperSteps: 30,
  batchSize: 64,
  rewardL2: 0.1,
  rewardModel: { hiddenSizes: [64, 64], learningRate: 1e-3, weightDecay: 1e-2 },
};

export function makeNeuralDrlhf(obsSize: number, numActions: number, seed: number, config: NeuralDrlhfConfig = DEFAULT_NEURAL_DRLHF): NeuralUpperLevel {
  const rewardModel = new RewardModel(makeRewardModelConfig({ ...config.rewardModel, obsSize, numActions, seed: seed * 101 + 3 }));
  const rng = makeRng(seed * 7919 + 5);
  return {
    name: 'drlhf',
    rewardModel,
    async update({ all }: UpperLevelInput, pause?: () => Promise<void>) {
      let loss = 0, norm = 0;
      for (let step = 0; step < config.upperSteps; step++) {
        await pause?.();
        const batch = subBatch(all, miniBatchIndices(all.count, config.batchSize, rng));
        const { value, grads } = exploitationGrads(rewardModel, batch, config.rewardL2);
        norm = globalNorm(grads);
        rewardModel.applyGradients(grads);
        disposeGrads(grads);
        loss = value;
      }
      await pause?.();
      return { 'loss/preference': meanPairLoss(rewardModel, all), 'loss/objective': loss, 'hypergrad/norm': norm, 'hypergrad/exploit': norm, 'hypergrad/explore': 0 };
    },
    dispose: () => rewardModel.dispose(),
  };
}

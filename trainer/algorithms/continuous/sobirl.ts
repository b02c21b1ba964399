/**
 * SoBiRL and DRLHF for continuous actions: `upperSteps` Adam steps on the reward model per
 * outer iteration along g (upper-level.ts): with its exploration half (SoBiRL: grad(Q - V) from
 * rollouts restarted at the clips' stored states, or the one-step form) or without (DRLHF,
 * Christiano et al. 2017: the Bradley-Terry loss over every label so far). Everything else (the
 * reward model, its optimiser, the budget, SAC below) is the same for both.
 */
import type { ContinuousUpperConfig, ContinuousUpperLevel } from './upper-level';
import { estimateGradient, explorationRowsFor, makeContinuousRewardModel, miniBatch, norm } from './upper-level';
import type { AnyContinuousEnv } from '../../envs/types';

export function makeAdamUpperLevel(name: 'sobirl' | 'drlhf', env: AnyContinuousEnv, config: ContinuousUpperConfig, seed: number): ContinuousUpperLevel {
  const rewardModel = makeContinuousRewardModel(env, config, seed);
  const explores = name === 'sobirl';
  return {
    name,
    rewardModel,
    async update(input, pause) {
      const rows = explores ? explorationRowsFor(input, config) : null;
      let last = { loss: 0, exploitNorm: 0, exploreNorm: 0, norm: 0 };
      for (let step = 0; step < config.upperSteps; step++) {
        await pause?.();
        const est = estimateGradient(rewardModel, miniBatch(input.all, config, input.rng), input.fresh, rows, input.tau, config);
        rewardModel.applyGradient(est.g);
        last = { loss: est.loss, exploitNorm: est.exploitNorm, exploreNorm: est.exploreNorm, norm: norm(est.g) };
      }
      return {
        'loss/preference': rewardModel.meanPairLoss(input.all), 'loss/objective': last.loss,
        'hypergrad/norm': last.norm, 'hypergrad/exploit': last.exploitNorm, 'hypergrad/explore': last.exploreNorm,
      };
    },
    exportState: () => ({ adam: rewardModel.net.adam.exportState() }),
    importState(state) {
      const adam = state.adam;
      if (!adam) throw new Error("upper-level state 'adam' is missing");
      rewardModel.net.adam.importState(adam);
    },
  };
}

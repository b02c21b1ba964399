/**
 * Stoc-SoBiRL for continuous actions: the SoBiRL estimate g (upper-level.ts) on sampled
 * mini-batches with a STORM momentum direction over the reward weights, as
 * trainer/algorithms/neural/stoc-sobirl.ts does on tfjs:
 *   h_t = g(D_t; x_t) + (1 - mu_t) (h_{t-1} - g(D_t; x_{t-1})),   x_{t+1} = x_t - beta_t h_t,
 * beta_t = beta0 / (t + 1)^(1/3), mu_t = min(1, muScale beta_t^2); the same batch is evaluated at
 * the kept previous weights. Plain steps: the momentum is the method. The momentum, the previous
 * weights and t are checkpointed.
 */
import type { AnyContinuousEnv } from '../../envs/types';
import type { ContinuousUpperConfig, ContinuousUpperLevel } from './upper-level';
import { estimateGradient, explorationRowsFor, makeContinuousRewardModel, miniBatch, norm } from './upper-level';

export function makeStocSobirl(env: AnyContinuousEnv, config: ContinuousUpperConfig, seed: number): ContinuousUpperLevel {
  const rewardModel = makeContinuousRewardModel(env, config, seed);
  let h: Float32Array | null = null;
  let previous: Float32Array | null = null;
  let t = 0;
  return {
    name: 'stoc-sobirl',
    rewardModel,
    async update(input, pause) {
      const rows = explorationRowsFor(input, config);
      let last = { loss: 0, exploitNorm: 0, exploreNorm: 0, norm: 0 };
      for (let step = 0; step < config.upperSteps; step++, t++) {
        await pause?.();
        const batch = miniBatch(input.all, config, input.rng);
        const now = estimateGradient(rewardModel, batch, input.fresh, rows, input.tau, config);
        const beta = config.beta0 / Math.cbrt(t + 1);
        let direction = now.g;
        if (h && previous) {
          const mu = Math.min(1, config.muScale * beta * beta);
          const current = rewardModel.net.params().slice();
          rewardModel.net.setParams(previous);
          const old = estimateGradient(rewardModel, batch, input.fresh, rows, input.tau, config);
          rewardModel.net.setParams(current);
          const hPrev = h;
          direction = Float32Array.from(now.g, (v, i) => v + (1 - mu) * (hPrev[i]! - old.g[i]!));
        }
        h = direction;
        previous = rewardModel.net.params().slice();
        rewardModel.applyPlainStep(h, beta);
        last = { loss: now.loss, exploitNorm: now.exploitNorm, exploreNorm: now.exploreNorm, norm: norm(h) };
      }
      return {
        'loss/preference': rewardModel.meanPairLoss(input.all), 'loss/objective': last.loss,
        'hypergrad/norm': last.norm, 'hypergrad/exploit': last.exploitNorm, 'hypergrad/explore': last.exploreNorm,
      };
    },
    exportState(): Record<string, Float32Array> {
      const out: Record<string, Float32Array> = { t: Float32Array.of(t) };
      if (h && previous) {
        out.momentum = h.slice();
        out.previous = previous.slice();
      }
      return out;
    },
    importState(state) {
      const n = rewardModel.net.paramCount;
      const { momentum, previous: prev, t: steps } = state;
      if (!steps || steps.length !== 1) throw new Error("upper-level state 't' is missing");
      if ((momentum === undefined) !== (prev === undefined)) throw new Error('upper-level state: momentum and previous weights come together');
      if (momentum && (momentum.length !== n || prev!.length !== n)) throw new Error(`upper-level state: momentum holds ${momentum.length} values, the reward model has ${n}`);
      h = momentum ? momentum.slice() : null;
      previous = prev ? prev.slice() : null;
      t = steps[0]!;
    },
  };
}

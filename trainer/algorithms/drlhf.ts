/**
 * DRLHF (Christiano et al. 2017): alternate upper-level steps minimising the mean Bradley-Terry
 * loss over every label with soft RL under the current reward. It shares every component with
 * SoBiRL (same reward model, optimiser, budget, lower level); the only difference is the
 * upper-level direction: E[grad_x l] alone, without the exploration half of the hyper-gradient.
 */
import { Adam } from '../core/adam';
import { importAdamState, type IterationMetrics, type LearnerInit, type TabularLearner } from './tabular-learner';
import { exploitation, l2Norm, lowerLevel, type LinearPair, type TabularSetup } from './tabular-rlhf';

export interface DrlhfConfig {
  /** Upper-level Adam steps per outer iteration. */
  upperSteps: number;
  /** Adam learning rate for the reward parameters x. */
  lr: number;
  /** Soft Bellman sweeps per outer iteration, warm-started. */
  lowerSweeps: number;
  /** L2 weight on x. */
  l2: number;
}

export const DEFAULT_DRLHF: DrlhfConfig = { upperSteps: 20, lr: 0.05, lowerSweeps: 20, l2: 1e-3 };

export function makeDrlhf(setup: TabularSetup, config: DrlhfConfig = DEFAULT_DRLHF, init?: LearnerInit): TabularLearner {
  const x = init ? new Float64Array(init.x) : new Float64Array(setup.n);
  // Resumed: the checkpoint's Q as it is (no sweeps), so pi is the policy that drew its pairs.
  let lower = lowerLevel(setup, x, init?.Q, init ? 0 : config.lowerSweeps);
  const adam = new Adam(setup.n, { lr: config.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  if (init?.state) importAdamState('drlhf', adam, init.state);

  return {
    name: 'drlhf',
    x,
    get pi() { return lower.pi; },
    get Q() { return lower.Q; },
    exportState: () => adam.exportState(),
    iterate(all: readonly LinearPair[]): IterationMetrics {
      let last: IterationMetrics | undefined;
      for (let step = 0; step < config.upperSteps; step++) {
        const exploit = exploitation(all, x);
        const grad = new Float64Array(setup.n);
        for (let j = 0; j < setup.n; j++) grad[j] = exploit.grad[j]! + config.l2 * x[j]!;
        adam.step(x, grad);
        const norm = l2Norm(grad);
        last = { 'loss/preference': exploit.loss, 'hypergrad/norm': norm, 'hypergrad/exploit': norm, 'hypergrad/explore': 0 };
      }
      lower = lowerLevel(setup, x, lower.Q, config.lowerSweeps);
      return last!;
    },
  };
}

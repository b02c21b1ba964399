/**
 * Oracle baseline: soft RL on the environment's TRUE reward (same gamma and tau as the learners).
 * It uses no labels; its return is the upper bound a preference learner can reach.
 */
import type { TabularLearner } from './tabular-learner';
import { l2Norm, type TabularSetup } from './tabular-rlhf';
import { softValueIteration } from '../tabular/soft';

export function makeOracle(setup: TabularSetup): TabularLearner {
  const solved = softValueIteration(setup.mdp, setup.trueReward, { tol: 1e-10 });
  return {
    name: 'oracle',
    x: new Float64Array(setup.trueReward),
    pi: solved.pi,
    Q: solved.Q,
    // No optimiser: the oracle solves the true-reward problem once.
    exportState: () => new Float64Array(0),
    iterate: () => ({ 'loss/preference': 0, 'hypergrad/norm': 0, 'hypergrad/exploit': 0, 'hypergrad/explore': l2Norm([]) }),
  };
}

/**
 * PBRL (penalty-based bilevel RL; Shen, Yang & Chen, ICML 2024), tabular, with the value penalty
 * (trainer/tabular/penalty.ts; the update is stated in docs/algorithms-pbrl-hpgd.md).
 *
 * PBRL drops the constraint "pi is soft-optimal for r_x" and minimises, jointly over the reward
 * parameters x AND its own policy pi_theta (softmax logits theta),
 *   F(x, theta) = f(x, pi_theta) + lambda * p(x, theta),   p = J*_tau(x) - J_tau(x, pi_theta) >= 0,
 * by gradient steps on both:
 *   grad_x F     = E[grad_x l] + lambda * (d* F pi* - d F pi_theta)   (occupancy-weighted features)
 *   grad_theta F = E_{pairs ~ pi_theta}[(l - b) grad_theta log P(d1, d2)] + lambda * grad_theta p.
 * pi_theta is the policy PBRL outputs: it draws the clips and is the one evaluated. J* needs
 * pi*(x), PBRL's lower-level oracle: here warm-started soft value iteration, `oracleSweeps`
 * sweeps before every inner step.
 * Shared with the other learners: the linear reward model, every label in E[grad_x l] (what
 * DRLHF fits), Adam on x with the same budget (upperSteps, lr), and, like SoBiRL's exploration
 * half, the score term estimated once per outer iteration on the fresh pairs (the only pairs
 * drawn from the current pi_theta) and spread over the inner steps.
 */
import { Adam } from '../core/adam';
import { policyScoreGradient, softmaxPolicy, valuePenalty } from '../tabular/penalty';
import { checkStateLength, LearnerStateError, type IterationMetrics, type LearnerInit, type TabularLearner } from './tabular-learner';
import {
  exploitation, l2Norm, lowerLevel, pairLosses, rewardOf, segmentIndices, type LinearPair, type TabularSetup,
} from './tabular-rlhf';

export interface PbrlConfig {
  /** Joint steps on (x, theta) per outer iteration (SoBiRL and DRLHF take as many on x). */
  upperSteps: number;
  /** Adam learning rate for x. */
  lr: number;
  /** Adam learning rate for the policy logits theta. */
  policyLr: number;
  /** Penalty weight lambda (0.1: best mean % of oracle over the six tasks on tuning seeds 100-102, of 0.01, 0.03, 0.1, 0.3, 1, 10). */
  lambda: number;
  /** Soft Bellman sweeps of the pi*(x) oracle before each inner step, warm-started. */
  oracleSweeps: number;
  /** Weight of the policy-score term of grad_theta f (0 leaves pi_theta to the penalty alone). */
  scoreCoef: number;
  /** Batch-mean baseline in the policy-score term. */
  baseline: boolean;
  /** L2 weight on x. */
  l2: number;
}

export const DEFAULT_PBRL: PbrlConfig = {
  upperSteps: 20,
  lr: 0.05,
  policyLr: 0.05,
  lambda: 0.1,
  oracleSweeps: 1,
  scoreCoef: 1,
  baseline: true,
  l2: 1e-3,
};

/** Sweeps of the first oracle solve (the other learners' lowerSweeps default). */
const INITIAL_ORACLE_SWEEPS = 20;

export function makePbrl(setup: TabularSetup, config: PbrlConfig = DEFAULT_PBRL, init?: LearnerInit): TabularLearner {
  const { S, A } = setup.mdp;
  const SA = S * A, n = setup.n;
  const x = init ? new Float64Array(init.x) : new Float64Array(n);
  // The oracle's Q (pi*(x)); checkpointed as the learner's Q.
  let oracle = lowerLevel(setup, x, init?.Q, init ? 0 : INITIAL_ORACLE_SWEEPS);
  const theta = new Float64Array(SA);
  const adamX = new Adam(n, { lr: config.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const adamTheta = new Adam(SA, { lr: config.policyLr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  // Optimiser state: [theta (SA), Adam x, Adam theta].
  const stateLength = SA + adamX.stateLength + adamTheta.stateLength;
  if (init?.state) {
    checkStateLength('pbrl', init.state, stateLength);
    if (!init.state.every(Number.isFinite)) throw new LearnerStateError('pbrl: optimiser state holds non-finite values');
    theta.set(init.state.subarray(0, SA));
    try {
      adamX.importState(init.state.subarray(SA, SA + adamX.stateLength));
      adamTheta.importState(init.state.subarray(SA + adamX.stateLength));
    } catch (error) {
      throw new LearnerStateError(`pbrl: ${(error as Error).message}`);
    }
  }
  let pi = softmaxPolicy(theta, S, A);

  return {
    name: 'pbrl',
    x,
    get pi() { return pi; },
    get Q() { return oracle.Q; },
    exportState: () => {
      const out = new Float64Array(stateLength);
      out.set(theta, 0);
      out.set(adamX.exportState(), SA);
      out.set(adamTheta.exportState(), SA + adamX.stateLength);
      return out;
    },
    iterate(all: readonly LinearPair[], fresh: readonly LinearPair[]): IterationMetrics {
      // The fresh pairs were drawn from pi_theta as it is now: their score term is exact here.
      const losses = pairLosses(fresh, x);
      const scoreHalf = config.scoreCoef > 0
        ? policyScoreGradient(pi, A, fresh.map((p, m) => ({
          first: segmentIndices(setup, p.pair.first), second: segmentIndices(setup, p.pair.second), loss: losses[m]!,
        })), config.baseline)
        : new Float64Array(SA);
      const perStep = config.scoreCoef / config.upperSteps;
      let last: IterationMetrics | undefined;
      let penalty = 0;
      for (let step = 0; step < config.upperSteps; step++) {
        oracle = lowerLevel(setup, x, oracle.Q, config.oracleSweeps);
        const p = valuePenalty(setup.mdp, rewardOf(setup, x), setup.features, n, theta, setup.rho, oracle.pi);
        penalty = p.value;
        const exploit = exploitation(all, x);
        const gradX = new Float64Array(n);
        for (let j = 0; j < n; j++) gradX[j] = exploit.grad[j]! + config.lambda * p.gradX[j]! + config.l2 * x[j]!;
        const gradTheta = new Float64Array(SA);
        for (let i = 0; i < SA; i++) gradTheta[i] = perStep * scoreHalf[i]! + config.lambda * p.gradTheta[i]!;
        adamX.step(x, gradX);
        adamTheta.step(theta, gradTheta);
        last = {
          'loss/preference': exploit.loss,
          'hypergrad/norm': l2Norm(gradX),
          'hypergrad/exploit': l2Norm(exploit.grad),
          'hypergrad/explore': config.scoreCoef * l2Norm(scoreHalf),
          'penalty/value': penalty,
        };
      }
      if (!x.every(Number.isFinite) || !theta.every(Number.isFinite)) {
        throw new Error('pbrl: the upper level diverged (x or theta no longer finite); lower lr or policyLr');
      }
      pi = softmaxPolicy(theta, S, A);
      oracle = lowerLevel(setup, x, oracle.Q, config.oracleSweeps);
      return last!;
    },
  };
}

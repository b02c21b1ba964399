/**
 * M-SoBiRL in the RLHF loop (tabular, model-based): the generic M-SoBiRL step of m-sobirl.ts
 * with the preference upper level f(x, pi) = E_{(d1, d2) ~ pi}[ l(d1, d2, y; x) ]:
 *   grad_x f  = E[grad_x l]                    over every label so far (as DRLHF and SoBiRL);
 *   grad_pi f = E[(l - b) * sum_i sum_h 1{(s_h^i, a_h^i) = (s, a)}] / pi_sa
 *               the score-function derivative with pi's entries as free variables, estimated on
 *               the fresh pairs drawn from pi_k (b = batch-mean loss, same mean). M-SoBiRL only
 *               ever uses diag(pi) grad_pi f, so the 1 / pi_sa cancels.
 * Each outer iteration takes `stepsPerIteration` M-SoBiRL steps (w update, x step, N sweeps).
 * The grad_pi f estimate comes from one batch of fresh pairs per outer iteration, so, as in
 * sobirl.ts, it is spread over those steps (divided by stepsPerIteration) instead of being
 * re-applied in full at each: re-applying it diverged on grid5 (x went non-finite).
 */
import { meanLossBaseline } from '../preference/baseline';
import { policyFromQ } from '../tabular/soft';
import { initMSobirl, mSobirlStep, type MSobirlConfig, type MSobirlProblem, type MSobirlState } from './m-sobirl';
import { checkStateLength, LearnerStateError, type IterationMetrics, type LearnerInit, type TabularLearner } from './tabular-learner';
import {
  exploitation, l2Norm, pairLosses, rewardOf, segmentIndices, type LinearPair, type TabularSetup,
} from './tabular-rlhf';

export interface MSobirlRlhfConfig {
  /** M-SoBiRL outer steps per batch of labels. */
  stepsPerIteration: number;
  /** Step size on x (plain gradient steps, as in the paper; 0.1 already diverged on grid5). */
  beta: number;
  /** Step size of w's least-squares update. */
  xi: number;
  /** Warm-started soft Bellman sweeps per M-SoBiRL step (the paper's N). */
  innerSweeps: number;
  /** Batch-mean loss baseline in the grad_pi f estimate. */
  baseline: boolean;
  /** L2 weight on x. */
  l2: number;
  /** Clip the hyper-gradient's norm per step: the sampled grad_pi f has heavy tails (a pair the
   *  reward model gets confidently wrong has a large loss) and one bad batch diverged grid5. */
  clipNorm: number;
}

export const DEFAULT_M_SOBIRL_RLHF: MSobirlRlhfConfig = {
  stepsPerIteration: 20,
  beta: 0.05,
  xi: 0.5,
  innerSweeps: 1,
  baseline: true,
  l2: 1e-3,
  clipNorm: 0.5,
};

// pi_sa can underflow to 0 for actions a sharp policy never takes any more; M-SoBiRL multiplies
// grad_pi f by pi again, so any finite stand-in gives the right product (0).
const MIN_PROB = 1e-300;

export function makeMSobirlLearner(setup: TabularSetup, config: MSobirlRlhfConfig = DEFAULT_M_SOBIRL_RLHF, init?: LearnerInit): TabularLearner {
  const { S, A } = setup.mdp;
  let all: readonly LinearPair[] = [];
  let fresh: readonly LinearPair[] = [];
  let lastExploit: { loss: number; grad: Float64Array } = { loss: 0, grad: new Float64Array(setup.n) };

  const problem: MSobirlProblem = {
    mdp: setup.mdp,
    model: { n: setup.n, reward: (x) => rewardOf(setup, x), jacobian: () => setup.features },
    upper: {
      gradX: (x) => {
        lastExploit = exploitation(all, x);
        return lastExploit.grad.map((g, j) => g + config.l2 * x[j]!);
      },
      gradPi: (x, pi) => {
        const g = new Float64Array(S * A);
        if (fresh.length === 0) return g;
        const losses = pairLosses(fresh, x);
        const { b, scale } = meanLossBaseline(losses, config.baseline);
        fresh.forEach(({ pair }, m) => {
          const w = (scale * (losses[m]! - b)) / (fresh.length * config.stepsPerIteration);
          for (const seg of [pair.first, pair.second]) {
            for (const sa of segmentIndices(setup, seg)) g[sa] = g[sa]! + w / Math.max(pi[sa]!, MIN_PROB);
          }
        });
        return g;
      },
    },
  };
  const mConfig: MSobirlConfig = {
    beta: config.beta, xi: config.xi, innerSweeps: config.innerSweeps, iterations: 0, logEvery: 0, clipNorm: config.clipNorm,
  };
  let state: MSobirlState = initMSobirl(problem, init ? new Float64Array(init.x) : new Float64Array(setup.n), mConfig);
  if (init) state = { ...state, Q: init.Q, ...policyFromQ(init.Q, S, A, setup.mdp.tau) };
  // Optimiser state: [k, w...] (w_{k-1}, the running solution of A w = b, warm-starts the next step).
  if (init?.state) {
    checkStateLength('m-sobirl', init.state, 1 + S);
    const k = init.state[0]!;
    if (!Number.isInteger(k) || k < 0) throw new LearnerStateError(`m-sobirl: iteration count must be a non-negative integer, got ${k}`);
    state = { ...state, k, w: init.state.slice(1) };
  }

  return {
    name: 'm-sobirl',
    get x() { return state.x; },
    get Q() { return state.Q; },
    get pi() { return state.pi; },
    exportState: () => Float64Array.from([state.k, ...state.w]),
    iterate(allPairs, freshPairs): IterationMetrics {
      all = allPairs;
      fresh = freshPairs;
      let norm = 0;
      for (let i = 0; i < config.stepsPerIteration; i++) {
        const step = mSobirlStep(state, problem, mConfig);
        state = step.state;
        if (!state.x.every(Number.isFinite)) {
          throw new Error('M-SoBiRL diverged: the reward parameters x are no longer finite; lower beta');
        }
        norm = step.info.hypergradNorm;
      }
      return {
        'loss/preference': lastExploit.loss,
        'hypergrad/norm': norm,
        'hypergrad/exploit': l2Norm(lastExploit.grad),
        'hypergrad/explore': Math.sqrt(Math.max(0, norm ** 2 - l2Norm(lastExploit.grad) ** 2)),
      };
    },
  };
}

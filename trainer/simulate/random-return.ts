/**
 * The uniformly random policy's true return: the 0% of "how far from random to the oracle" in
 * simulate's report (SimulateReport.randomReturn). Measured the way the learners' final returns
 * are (exactly on tabular envs, full episodes elsewhere), on its own fixed random stream so it is
 * the same for every algorithm.
 */
import { makeRng } from '../core/rng';
import { CONTINUOUS_ENVS, getContinuousEnv, getEnv } from '../envs';
import { makeTabularSetup, trueReturn } from '../algorithms/tabular-rlhf';
import { evaluateReturn } from '../algorithms/neural/experience';
import { prepareEnv } from '../mujoco/load';
import type { SimulateOptions } from './types';

/** Episodes of the random policy on a discrete non-tabular env. */
const RANDOM_POLICY_EPISODES = 200;
/** Fewer on continuous envs: a MuJoCo episode is 1,000 steps at a few thousand steps/s. */
const RANDOM_POLICY_EPISODES_CONTINUOUS = 20;
const RANDOM_STREAM = 0x5eed;

export async function randomReturn(opts: Pick<SimulateOptions, 'env' | 'gamma' | 'tau' | 'start'>): Promise<number> {
  if (Object.hasOwn(CONTINUOUS_ENVS, opts.env)) return continuousRandomReturn(opts.env);
  const env = getEnv(opts.env);
  if (env.tabular) {
    // Exact evaluation from the run's start distribution.
    const setup = makeTabularSetup(env, opts.gamma, opts.tau, 'state', opts.start);
    return trueReturn(setup, new Float64Array(setup.mdp.S * setup.mdp.A).fill(1 / setup.mdp.A));
  }
  const A = env.actionNames.length;
  return evaluateReturn(env, (_obs, n) => new Float32Array(n * A).fill(1 / A), RANDOM_POLICY_EPISODES, makeRng(RANDOM_STREAM));
}

/** Mean undiscounted return of actions drawn uniformly from the box, over full episodes. */
async function continuousRandomReturn(envId: string): Promise<number> {
  const env = getContinuousEnv(envId);
  await prepareEnv(env);
  const rng = makeRng(RANDOM_STREAM);
  const { low, high } = env.actionSpace;
  let total = 0;
  for (let e = 0; e < RANDOM_POLICY_EPISODES_CONTINUOUS; e++) {
    let state = env.reset(rng);
    for (let t = 0; t < env.maxEpisodeSteps; t++) {
      const out = env.step(state, low.map((lo, i) => lo + (high[i]! - lo) * rng.next()), rng);
      total += out.reward;
      state = out.state;
      if (out.done) break;
    }
  }
  return total / RANDOM_POLICY_EPISODES_CONTINUOUS;
}

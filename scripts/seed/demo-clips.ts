import { makeRng, type Rng } from '../../trainer/core/rng';
import { getEnv, type Env } from '../../trainer/envs/index';
import { numActions } from '../../trainer/envs/types';

/**
 * Demo clips from a uniform random policy, for a queue that works before any training.
 *
 * Each clip is reproducible from its seed alone: `makeRng(seed)` forks an environment stream and
 * a policy stream, so replaying the stored actions through the env with the environment stream
 * (see `replayClip`) gives back the stored states exactly.
 */
export interface DemoClip {
  envId: string;
  seed: number;
  /** states[0..H]; shorter than the requested length when the episode ended inside the clip. */
  states: unknown[];
  actions: number[];
  /** log pi(a_t | s_t) = log(1 / A) under the uniform policy. */
  logProbs: number[];
  trueReturn: number;
}

function streams(seed: number): { envRng: Rng; policyRng: Rng } {
  const root = makeRng(seed);
  return { envRng: root.fork(), policyRng: root.fork() };
}

export function randomPolicyClip(envId: string, seed: number, length: number): DemoClip {
  const env: Env<unknown> = getEnv(envId);
  const A = numActions(env);
  const { envRng, policyRng } = streams(seed);
  let state = env.reset(envRng);
  const states: unknown[] = [state];
  const actions: number[] = [];
  let trueReturn = 0;
  for (let t = 0; t < length; t++) {
    const action = policyRng.int(A);
    const result = env.step(state, action, envRng);
    actions.push(action);
    states.push(result.state);
    trueReturn += result.reward;
    state = result.state;
    if (result.done) break;
  }
  return { envId, seed, states, actions, logProbs: actions.map(() => Math.log(1 / A)), trueReturn };
}

/** Re-simulates a clip from its seed and stored actions; returns the states it passes through. */
export function replayClip(envId: string, seed: number, actions: readonly number[]): unknown[] {
  const env: Env<unknown> = getEnv(envId);
  const { envRng } = streams(seed);
  let state = env.reset(envRng);
  const states: unknown[] = [state];
  for (const action of actions) {
    state = env.step(state, action, envRng).state;
    states.push(state);
  }
  return states;
}

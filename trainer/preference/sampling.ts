import type { Rng } from '../core/rng';
import type { Env } from '../envs/types';
import { makeSegment, type Segment } from './types';

/** Action probabilities of the behaviour policy in a state (length = number of actions). */
export type PolicyFn<S> = (state: S) => ArrayLike<number>;

/**
 * Roll the behaviour policy for up to `horizon` steps from `start`. The segment stops early
 * when the episode ends. Log-probabilities of the chosen actions are stored so clips drawn from
 * older policies can be importance-weighted later.
 */
export function sampleSegment<S>(env: Env<S>, policy: PolicyFn<S>, start: S, horizon: number, rng: Rng): Segment<S> {
  const states: S[] = [start];
  const actions: number[] = [];
  const trueRewards: number[] = [];
  const logProbs: number[] = [];
  let state = start;
  let done = false;
  for (let h = 0; h < horizon && !done; h++) {
    const probs = policy(state);
    const action = rng.categorical(probs);
    const result = env.step(state, action, rng);
    actions.push(action);
    logProbs.push(Math.log(probs[action]!));
    trueRewards.push(result.reward);
    states.push(result.state);
    state = result.state;
    done = result.done;
  }
  return makeSegment({ envId: env.id, states, actions, trueRewards, logProbs, done });
}

/** Sum of a per-step quantity over a segment (e.g. its true return). */
export function segmentSum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

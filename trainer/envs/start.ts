import type { Rng } from '../core/rng';
import type { AnyEnv, Env } from './types';

/**
 * Where the clips (and the exact evaluation) of a tabular env start.
 * - 'uniform': every state equally likely, what `env.reset` draws (the default, as before);
 * - a fixed state: every clip starts there. `--start far` names the env's `farStart`, a state
 *   far from the reward: a learner then sees the reward only if its policy walks there, which
 *   is the case where exploration matters (with uniform starts some clips begin at the goal).
 */
export type StartSpec = { kind: 'uniform' } | { kind: 'state'; index: number };

export const UNIFORM_START: StartSpec = { kind: 'uniform' };

/** A start that does not fit the env; the message names the field `start`. */
export class StartError extends Error {
  override name = 'StartError';
}

function tabularOf(env: AnyEnv) {
  if (!env.tabular) throw new StartError(`start: environment '${env.id}' is not tabular; a start state needs a tabular env`);
  return env.tabular;
}

/** 'uniform' | 'far' | a state index (0 .. S-1) -> a StartSpec, checked against the env. */
export function parseStart(text: string, env: AnyEnv): StartSpec {
  const value = text.trim();
  if (value === 'uniform') return UNIFORM_START;
  const tab = tabularOf(env);
  if (value === 'far') return { kind: 'state', index: tab.farStart };
  const S = tab.model.numStates;
  if (!/^\d+$/.test(value) || Number(value) >= S) {
    throw new StartError(`start: must be 'uniform', 'far' or a state index in [0, ${S - 1}] of ${env.id}, got '${text}'`);
  }
  return { kind: 'state', index: Number(value) };
}

/** The inverse of parseStart for reports: 'uniform', 'far' (when it is the env's far state) or the index. */
export function formatStart(start: StartSpec, env: AnyEnv): string {
  if (start.kind === 'uniform') return 'uniform';
  return env.tabular && start.index === env.tabular.farStart ? 'far' : String(start.index);
}

/** rho: the start distribution over the env's S states (evaluation uses the same one). */
export function startDistribution(env: AnyEnv, start: StartSpec): Float64Array {
  const S = tabularOf(env).model.numStates;
  if (start.kind === 'uniform') return new Float64Array(S).fill(1 / S);
  if (!(Number.isInteger(start.index) && start.index >= 0 && start.index < S)) {
    throw new StartError(`start: state index must be an integer in [0, ${S - 1}] of ${env.id}, got ${start.index}`);
  }
  const rho = new Float64Array(S);
  rho[start.index] = 1;
  return rho;
}

/**
 * The first state of a clip. Uniform starts go through `env.reset` (uniform over the states
 * on every tabular env, checked by start.test.ts), so runs without --start draw the same
 * random numbers as before; a fixed start draws none.
 */
export function drawStart<S>(env: Env<S>, start: StartSpec, rng: Rng): S {
  if (start.kind === 'uniform') return env.reset(rng);
  startDistribution(env, start); // validates the index
  return env.tabular!.stateFromIndex(start.index);
}

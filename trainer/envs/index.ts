import type { AnyContinuousEnv, AnyEnv, AnyEnvCommon } from './types';
import { grid5 } from './grid5';
import { cartpole } from './cartpole';
import { mountaincar } from './mountaincar';
import { acrobot } from './acrobot';
import { fourrooms } from './fourrooms';
import { riverswim } from './riverswim';
import { pendulum } from './pendulum';
import { invertedPendulum } from './inverted-pendulum';
import { hopper } from './hopper';
import { halfCheetah } from './half-cheetah';
import { walker2d } from './walker2d';

/**
 * The environment registry. To add an environment: write a module exporting an `Env` (pure
 * functions of plain JSON state, see types.ts and README.md) and add it here: envs.test.ts then
 * checks the shared contract for it; its own dynamics get a <id>.test.ts beside it.
 */
export const ENVS: Readonly<Record<string, AnyEnv>> = {
  [grid5.id]: grid5,
  [cartpole.id]: cartpole,
  [mountaincar.id]: mountaincar,
  [acrobot.id]: acrobot,
  [fourrooms.id]: fourrooms,
  [riverswim.id]: riverswim,
};

/**
 * Environments with continuous (box) actions. Kept apart from ENVS so that code written for
 * discrete actions (tabular solvers, soft Q-learning, the labeling page's action names) cannot
 * be handed one by mistake; code that handles both reads `getAnyEnv`.
 */
export const CONTINUOUS_ENVS: Readonly<Record<string, AnyContinuousEnv>> = {
  [pendulum.id]: pendulum,
  [invertedPendulum.id]: invertedPendulum,
  [hopper.id]: hopper,
  [halfCheetah.id]: halfCheetah,
  [walker2d.id]: walker2d,
};

/**
 * The envs that step through MuJoCo: a process must `await loadMujoco()` (trainer/mujoco/load.ts,
 * or `prepareEnv`) before resetting or stepping them. Their render reads the state only.
 */
export const MUJOCO_ENV_IDS: readonly string[] = [invertedPendulum.id, hopper.id, halfCheetah.id, walker2d.id];

/** Every registered env id, discrete first. */
export const ALL_ENV_IDS: readonly string[] = [...Object.keys(ENVS), ...Object.keys(CONTINUOUS_ENVS)];

function knownList(): string {
  return ALL_ENV_IDS.join(', ');
}

/** A discrete-action env; throws (naming the known ones) on any other id. */
export function getEnv(id: string): AnyEnv {
  // Own properties only: ENVS['toString'] is a function, not an environment.
  const env = Object.hasOwn(ENVS, id) ? ENVS[id] : undefined;
  if (env) return env;
  if (Object.hasOwn(CONTINUOUS_ENVS, id)) throw new Error(`environment '${id}' has continuous actions; this needs a discrete-action environment`);
  throw new Error(`unknown environment '${id}'; known: ${knownList()}`);
}

/** A continuous-action env; throws (naming the known ones) on any other id. */
export function getContinuousEnv(id: string): AnyContinuousEnv {
  const env = Object.hasOwn(CONTINUOUS_ENVS, id) ? CONTINUOUS_ENVS[id] : undefined;
  if (env) return env;
  if (Object.hasOwn(ENVS, id)) throw new Error(`environment '${id}' has discrete actions; this needs a continuous-action environment`);
  throw new Error(`unknown environment '${id}'; known: ${knownList()}`);
}

/** Any registered env (what the player, the run form and the clip store need); throws on an unknown id. */
export function getAnyEnv(id: string): AnyEnvCommon {
  if (Object.hasOwn(ENVS, id)) return ENVS[id]!;
  if (Object.hasOwn(CONTINUOUS_ENVS, id)) return CONTINUOUS_ENVS[id]!;
  throw new Error(`unknown environment '${id}'; known: ${knownList()}`);
}

/** Ids of the envs that define a progress measure (the scripted teacher judges by it; types.ts). */
export function envsWithProgress(): string[] {
  return Object.values(ENVS).filter((env) => env.progress !== undefined).map((env) => env.id);
}

export type { ContinuousEnv, Env, EnvCommon } from './types';
export { isContinuousEnv } from './types';

import type { AnyEnv } from './types';
import { grid5 } from './grid5';
import { cartpole } from './cartpole';
import { mountaincar } from './mountaincar';
import { acrobot } from './acrobot';
import { fourrooms } from './fourrooms';
import { riverswim } from './riverswim';

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

export function getEnv(id: string): AnyEnv {
  // Own properties only: ENVS['toString'] is a function, not an environment.
  const env = Object.hasOwn(ENVS, id) ? ENVS[id] : undefined;
  if (!env) throw new Error(`unknown environment '${id}'; known: ${Object.keys(ENVS).join(', ')}`);
  return env;
}

/** Ids of the envs that define a progress measure (the scripted teacher judges by it; types.ts). */
export function envsWithProgress(): string[] {
  return Object.values(ENVS).filter((env) => env.progress !== undefined).map((env) => env.id);
}

export type { Env } from './types';

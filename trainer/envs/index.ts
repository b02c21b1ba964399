import type { Env } from './types';
import { grid5 } from './grid5';

/**
 * The environment registry. To add an environment: write a module exporting an `Env` (pure
 * functions of plain JSON state, see types.ts), add it here, and add it to envs.test.ts.
 */
export const ENVS: Readonly<Record<string, Env<any>>> = {
  [grid5.id]: grid5,
};

export function getEnv(id: string): Env<any> {
  const env = ENVS[id];
  if (!env) throw new Error(`unknown environment '${id}'; known: ${Object.keys(ENVS).join(', ')}`);
  return env;
}

export type { Env } from './types';

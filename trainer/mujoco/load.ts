import type { AnyEnvCommon } from '../envs/types';
import { installMujocoRuntime, isMujocoLoaded, type MujocoRuntime } from '../envs/mujoco/runtime';
import { MUJOCO_ENV_IDS } from '../envs/index';

let loading: Promise<void> | null = null;

/**
 * Loads the MuJoCo WebAssembly module (mujoco-js, ~11 MB, a few hundred ms) once per process and
 * hands it to the MuJoCo envs (trainer/envs/mujoco/runtime.ts). Call it before resetting or
 * stepping a MuJoCo env; later calls return the same promise. Trainer-side only: the web app
 * never loads MuJoCo (eslint.config.mjs), it draws stored clips from their states.
 */
export function loadMujoco(): Promise<void> {
  loading ??= (async () => {
    const { default: createModule } = await import('mujoco-js');
    const module = await createModule();
    // Checked structurally against mujoco-js's own types, except MjData's constructor: it takes
    // the full MjModel, of which MujocoModel names a subset (and the only models ever passed to it
    // are the ones this same module's loadFromXML returned).
    const checked: Omit<MujocoRuntime, 'MjData'> = module;
    installMujocoRuntime(checked as MujocoRuntime);
  })().catch((error: unknown) => {
    loading = null; // let a later call try again
    throw new Error(`cannot load the MuJoCo simulator (mujoco-js): ${error instanceof Error ? error.message : String(error)}`);
  });
  return loading;
}

/** True when the env steps through MuJoCo (and so needs `loadMujoco` first). */
export function usesMujoco(env: AnyEnvCommon | string): boolean {
  return MUJOCO_ENV_IDS.includes(typeof env === 'string' ? env : env.id);
}

/** Loads whatever simulator the env needs (nothing for the pure-TypeScript envs). */
export async function prepareEnv(env: AnyEnvCommon | string): Promise<void> {
  if (usesMujoco(env) && !isMujocoLoaded()) await loadMujoco();
}

/**
 * Shared by the MuJoCo env tests (trainer/envs/*.test.ts).
 */
import type { MujocoState } from '../../../trainer/envs/mujoco/mujoco-env';

/** The model with contacts and joint limits switched off (free-fall checks). */
export function withoutContactsOrLimits(xml: string): string {
  const out = xml.replace(/<option ([^>]*)\/>/, '<option $1><flag contact="disable" limit="disable"/></option>');
  if (out === xml) throw new Error('no <option .../> element to extend');
  return out;
}

/** Capsule mass at MuJoCo's default density 1000: a cylinder of `length` plus a sphere. */
export function capsuleMass(radius: number, length: number): number {
  return 1000 * (Math.PI * radius ** 2 * length + (4 / 3) * Math.PI * radius ** 3);
}

/** A state at rest at `qpos` (what step reads; the capsule poses are outputs). */
export function restingState(qpos: number[], nu: number): MujocoState {
  return { qpos, qvel: qpos.map(() => 0), u: new Array<number>(nu).fill(0), t: 0, geoms: [] };
}

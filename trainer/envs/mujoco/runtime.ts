/**
 * The MuJoCo simulator as the env modules see it: a slot that the trainer fills once per process
 * (trainer/mujoco/load.ts `loadMujoco`). The env modules (metadata, `render`) are imported by the
 * browser's player too, so they must not import mujoco-js (an 11 MB wasm module): they reach it
 * only through this slot, typed by the few calls they make, and `step`/`reset` throw a clear
 * message when nothing filled it.
 */

/** A Float64Array view into wasm memory: re-read it from the data after anything that may grow memory. */
type Real = Float64Array;

/** The part of mujoco-js's MjModel the planar envs read. */
export interface MujocoModel {
  nq: number;
  nv: number;
  nu: number;
  ngeom: number;
  readonly geom_size: Real;
  readonly geom_type: Int32Array;
  /** Per body (world first), kg. */
  readonly body_mass: Real;
  /** 6 per actuator; the first is the joint gear. */
  readonly actuator_gear: Real;
  /** 2 per actuator. */
  readonly actuator_ctrlrange: Real;
  readonly opt: { timestep: number; disableflags: number };
  delete(): void;
}

/** The part of mujoco-js's MjData the planar envs read and write. */
export interface MujocoData {
  time: number;
  readonly qpos: Real;
  readonly qvel: Real;
  readonly ctrl: Real;
  readonly geom_xpos: Real;
  readonly geom_xmat: Real;
  delete(): void;
}

/** The part of mujoco-js's module (what its default export resolves to) the planar envs call. */
export interface MujocoRuntime {
  FS: { writeFile(path: string, data: string): void; unlink(path: string): void };
  MjModel: { loadFromXML(path: string): MujocoModel };
  MjData: new (model: MujocoModel) => MujocoData;
  mj_step(model: MujocoModel, data: MujocoData): void;
  mj_kinematics(model: MujocoModel, data: MujocoData): void;
  mj_resetData(model: MujocoModel, data: MujocoData): void;
  mj_name2id(model: MujocoModel, type: number, name: string): number;
  mjtObj: { mjOBJ_GEOM: { value: number } };
}

let installed: MujocoRuntime | null = null;

/** Called by trainer/mujoco/load.ts once the wasm module is ready. */
export function installMujocoRuntime(runtime: MujocoRuntime): void {
  installed = runtime;
}

export function isMujocoLoaded(): boolean {
  return installed !== null;
}

/** The loaded simulator; throws (naming the env) when the process has not loaded it. */
export function mujocoRuntime(envId: string): MujocoRuntime {
  if (installed === null) {
    throw new Error(`${envId} needs the MuJoCo simulator, which this process has not loaded: call \`await loadMujoco()\` (trainer/mujoco/load.ts) once before stepping or resetting it`);
  }
  return installed;
}

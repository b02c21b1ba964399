import { mujocoRuntime, type MujocoData, type MujocoModel, type MujocoRuntime } from './runtime';

/**
 * One MuJoCo model compiled once per process and used as a pure function: every call writes the
 * given (qpos, qvel, ctrl) into a freshly reset MjData, steps, and reads the result back, so a
 * rollout can restart from any stored JSON state and give exactly the transition a sequence of
 * steps gives (nothing, not even the solver's warm start, carries over between calls).
 */
export interface SimulatorSpec {
  envId: string;
  /** The MJCF model (written for this project: see the env module). */
  xml: string;
  /** Physics steps per env step (Gymnasium's frame_skip). */
  frameSkip: number;
  /**
   * Capsule geoms whose poses go into the state for `render`, by name, in drawing order, with
   * the radius the render draws (checked against the compiled model, so the two cannot drift).
   */
  drawnGeoms: ReadonlyArray<{ name: string; radius: number }>;
}

/** What a call returns: the new generalized state and the drawn capsules' end points. */
export interface SimulatorOutput {
  qpos: number[];
  qvel: number[];
  /** x1, z1, x2, z2 per drawn capsule (side view: world x right, world z up). */
  geoms: number[];
}

interface Compiled {
  runtime: MujocoRuntime;
  model: MujocoModel;
  data: MujocoData;
  geomIds: number[];
}

const CAPSULE = 3; // mjGEOM_CAPSULE

export class MujocoSimulator {
  private compiled: Compiled | null = null;

  constructor(readonly spec: SimulatorSpec) {}

  /** The compiled model (compiled at first use, once the runtime is loaded). */
  get model(): MujocoModel {
    return this.compile().model;
  }

  /** The step length of one env step in seconds (timestep x frame skip). */
  get dt(): number {
    return this.model.opt.timestep * this.spec.frameSkip;
  }

  /** The drawn capsules' poses at (qpos, qvel) without stepping (for a reset state). */
  pose(qpos: readonly number[], qvel: readonly number[]): SimulatorOutput {
    const c = this.load(qpos, qvel, null);
    c.runtime.mj_kinematics(c.model, c.data);
    return this.read(c);
  }

  /** frameSkip physics steps from (qpos, qvel) with ctrl held, as Gymnasium's do_simulation. */
  step(qpos: readonly number[], qvel: readonly number[], ctrl: readonly number[]): SimulatorOutput {
    const c = this.load(qpos, qvel, ctrl);
    for (let i = 0; i < this.spec.frameSkip; i++) c.runtime.mj_step(c.model, c.data);
    // mj_step leaves the geom poses of the step's start: recompute them for the final qpos.
    c.runtime.mj_kinematics(c.model, c.data);
    return this.read(c);
  }

  private compile(): Compiled {
    if (this.compiled) return this.compiled;
    const { envId, xml, drawnGeoms } = this.spec;
    const runtime = mujocoRuntime(envId);
    const path = `/${envId}-model.xml`;
    runtime.FS.writeFile(path, xml);
    let model: MujocoModel;
    try {
      model = runtime.MjModel.loadFromXML(path);
    } catch (error) {
      throw new Error(`${envId}: MuJoCo rejected the model XML (${error instanceof Error ? error.name : String(error)})`);
    } finally {
      runtime.FS.unlink(path);
    }
    const geomIds = drawnGeoms.map(({ name, radius }) => {
      const id = runtime.mj_name2id(model, runtime.mjtObj.mjOBJ_GEOM.value, name);
      if (id < 0) throw new Error(`${envId}: the model has no geom named '${name}'`);
      if (model.geom_type[id] !== CAPSULE) throw new Error(`${envId}: geom '${name}' is not a capsule`);
      const compiled = model.geom_size[3 * id]!;
      if (Math.abs(compiled - radius) > 1e-12) throw new Error(`${envId}: geom '${name}' has radius ${compiled} in the model but ${radius} in the render`);
      return id;
    });
    this.compiled = { runtime, model, data: new runtime.MjData(model), geomIds };
    return this.compiled;
  }

  private load(qpos: readonly number[], qvel: readonly number[], ctrl: readonly number[] | null): Compiled {
    const c = this.compile();
    const { envId } = this.spec;
    if (qpos.length !== c.model.nq || qvel.length !== c.model.nv) {
      throw new Error(`${envId}: state must have ${c.model.nq} qpos and ${c.model.nv} qvel entries, got ${qpos.length} and ${qvel.length}`);
    }
    if (![...qpos, ...qvel].every(Number.isFinite)) throw new Error(`${envId}: state has a non-finite qpos or qvel entry`);
    c.runtime.mj_resetData(c.model, c.data);
    // Views into wasm memory go stale when that memory grows: take them afresh on every use.
    c.data.qpos.set(qpos);
    c.data.qvel.set(qvel);
    if (ctrl) c.data.ctrl.set(ctrl);
    return c;
  }

  private read(c: Compiled): SimulatorOutput {
    const { data, model } = c;
    const qpos = Array.from(data.qpos);
    const qvel = Array.from(data.qvel);
    const xpos = data.geom_xpos, xmat = data.geom_xmat, size = model.geom_size;
    const geoms: number[] = [];
    for (const id of c.geomIds) {
      // A capsule's axis is its local z: the third column of the row-major rotation matrix.
      const half = size[3 * id + 1]!;
      const ax = xmat[9 * id + 2]!, az = xmat[9 * id + 8]!;
      const cx = xpos[3 * id]!, cz = xpos[3 * id + 2]!;
      geoms.push(cx - half * ax, cz - half * az, cx + half * ax, cz + half * az);
    }
    return { qpos, qvel, geoms };
  }
}

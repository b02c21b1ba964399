import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { loadMujoco } from '../mujoco/load';
import { WALKER2D_DT, WALKER2D_XML, walker2d as env, walker2dIsHealthy, walker2dReward } from './walker2d';
import { makeMujocoEnv } from './mujoco/mujoco-env';
import { capsuleMass, restingState, withoutContactsOrLimits } from '../../tests/helpers/trainer/mujoco';

beforeAll(() => loadMujoco());

const G = 9.81;

describe('walker2d', () => {
  it('compiles to the documented model: 9 dofs, 6 motors of gear 100 over [-1, 1], masses from the capsules', () => {
    const m = env.simulator.model;
    expect([m.nq, m.nv, m.nu]).toEqual([9, 9, 6]);
    expect(m.opt.timestep * env.config.frameSkip).toBeCloseTo(WALKER2D_DT, 12);
    for (let i = 0; i < 6; i++) {
      expect(m.actuator_gear[6 * i]).toBe(100);
      expect([m.actuator_ctrlrange[2 * i], m.actuator_ctrlrange[2 * i + 1]]).toEqual([-1, 1]);
    }
    const legMasses = [capsuleMass(0.05, 0.45), capsuleMass(0.04, 0.5), capsuleMass(0.06, 0.2)];
    const expected = [0, capsuleMass(0.05, 0.4), ...legMasses, ...legMasses];
    expected.forEach((mass, i) => expect(m.body_mass[i]).toBeCloseTo(mass, 9));
  });

  it('falls freely with contacts and limits off: the torso drops g t^2 / 2 (RK4), the legs keep their angles', () => {
    const free = makeMujocoEnv({ ...env.config, id: 'walker2d-free', xml: withoutContactsOrLimits(WALKER2D_XML) });
    const start = [-0.2, 1.25, 0.05, -0.3, -0.5, 0.1, -0.8, -0.2, 0.3];
    let s = restingState(start.slice(), 6);
    const steps = 40;
    for (let i = 0; i < steps; i++) s = free.step(s, [0, 0, 0, 0, 0, 0], makeRng(0)).state;
    const t = steps * WALKER2D_DT;
    expect(s.qpos[1]).toBeCloseTo(1.25 - (G * t * t) / 2, 9);
    start.forEach((q, i) => { if (i !== 1) expect(s.qpos[i]).toBeCloseTo(q, 9); });
  });

  it('pays v5 reward: forward velocity + 1 while 0.8 < z < 2 and |pitch| < 1 - 0.001 |a|^2', () => {
    const at = (x: number, z = 1.25, pitch = 0) => ({ qpos: [x, z, pitch, 0, 0, 0, 0, 0, 0], qvel: new Array<number>(9).fill(0) });
    const a = [1, 0, -0.5, 0, 0, 0.5];
    const cost = 1e-3 * 1.5;
    expect(walker2dReward(at(0), at(0.04), a)).toBeCloseTo(0.04 / 0.008 + 1 - cost, 12);
    expect(walker2dReward(at(0), at(0, 0.8), a)).toBeCloseTo(-cost, 12);
    expect(walker2dIsHealthy(at(0, 1.99, 0.99))).toBe(true);
    expect(walker2dIsHealthy(at(0, 2))).toBe(false);
    expect(walker2dIsHealthy(at(0, 1.2, -1))).toBe(false);
    const s = env.reset(makeRng(3));
    const out = env.step(s, [2, 0, 0, 0, 0, -2], makeRng(3));
    expect(out.state.u).toEqual([1, 0, 0, 0, 0, -1]);
    expect(out.reward).toBeCloseTo(walker2dReward(s, out.state, [1, 0, 0, 0, 0, -1]), 12);
  });

  it('observes qpos without x and qvel clipped to [-10, 10]', () => {
    const s = { ...env.reset(makeRng(1)), qpos: [9, 1, 2, 3, 4, 5, 6, 7, 8], qvel: [10, -11, 12, 1, 2, 3, 4, 5, 6] };
    expect(env.observe(s)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10, -10, 10, 1, 2, 3, 4, 5, 6]);
  });
});

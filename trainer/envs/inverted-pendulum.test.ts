import { beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { loadMujoco } from '../mujoco/load';
import { INVERTED_PENDULUM_XML, invertedPendulum as env, invertedPendulumReward } from './inverted-pendulum';
import { makeMujocoEnv, type MujocoState } from './mujoco/mujoco-env';
import { capsuleMass } from '../../tests/helpers/trainer/mujoco';

beforeAll(() => loadMujoco());


function episodeReturn(policy: (s: MujocoState) => number[], seed: number): { ret: number; last: MujocoState } {
  const rng = makeRng(seed);
  let s = env.reset(rng), ret = 0;
  for (let t = 0; t < env.maxEpisodeSteps; t++) {
    const out = env.step(s, policy(s), rng);
    ret += out.reward;
    s = out.state;
  }
  return { ret, last: s };
}

describe('inverted-pendulum', () => {
  it('compiles to the documented model: 2 dofs, 1 motor, dt 0.04 s; a render radius that differs from the model is refused', () => {
    const model = env.simulator.model;
    expect([model.nq, model.nv, model.nu]).toEqual([2, 2, 1]);
    expect(model.opt.timestep * env.config.frameSkip).toBeCloseTo(env.config.dt, 12);
    expect(env.config.dt).toBeCloseTo(0.04, 12);
    expect(env.config.capsules.map((c) => [c.name, c.radius])).toEqual([['rail', 0.02], ['cart', 0.1], ['pole', 0.049]]);
    const drifted = makeMujocoEnv({ ...env.config, id: 'ip-drifted', capsules: env.config.capsules.map((c) => ({ ...c, radius: c.name === 'pole' ? 0.05 : c.radius })) });
    expect(() => drifted.reset(makeRng(1))).toThrow(/ip-drifted: geom 'pole' has radius 0.049 in the model but 0.05 in the render/);
    const misnamed = makeMujocoEnv({ ...env.config, id: 'ip-misnamed', capsules: [{ name: 'mast', radius: 0.049, fill: '#000' }] });
    expect(() => misnamed.reset(makeRng(1))).toThrow(/ip-misnamed: the model has no geom named 'mast'/);
  });

  it('starts within 0.01 of upright and still, with geoms drawn where qpos puts them', () => {
    for (let seed = 0; seed < 20; seed++) {
      const s = env.reset(makeRng(seed));
      expect([...s.qpos, ...s.qvel].every((v) => Math.abs(v) <= 0.01)).toBe(true);
      expect(s.t).toBe(0);
      // The cart capsule is centred on the cart's x; the pole runs 0.6 m from the cart at angle qpos[1].
      const [cx1, , cx2] = s.geoms.slice(4, 8) as [number, number, number, number];
      expect((cx1 + cx2) / 2).toBeCloseTo(s.qpos[0]!, 12);
      const ends = s.geoms.slice(8, 12) as [number, number, number, number];
      // Base (the hinge, at the cart) first, tip second, whichever order the simulator gave.
      const [px1, pz1, px2, pz2] = ends[1] < ends[3] ? ends : [ends[2], ends[3], ends[0], ends[1]];
      const angle = Math.atan2(px2 - px1, pz2 - pz1); // from upright, positive towards +x (hinge axis +y)
      expect(angle).toBeCloseTo(s.qpos[1]! + Math.atan2(0.001, 0.6), 9);
      expect(Math.hypot(px2 - px1, pz2 - pz1)).toBeCloseTo(Math.hypot(0.001, 0.6), 9);
    }
  });

  it('pays v5 reward: 1 while |angle| <= 0.2 rad and the state is finite, else 0', () => {
    const at = (angle: number, qvel = [0, 0]) => ({ qpos: [0.3, angle], qvel });
    const before = at(0);
    expect(invertedPendulumReward(before, at(0))).toBe(1);
    expect(invertedPendulumReward(before, at(0.2))).toBe(1);
    expect(invertedPendulumReward(before, at(-0.19))).toBe(1);
    expect(invertedPendulumReward(before, at(0.2001))).toBe(0);
    expect(invertedPendulumReward(before, at(-1.2))).toBe(0);
    expect(invertedPendulumReward(before, at(0, [Number.NaN, 0]))).toBe(0);
    // step pays the reward of the state it arrives in.
    const s = env.reset(makeRng(2));
    const out = env.step(s, [0.5], makeRng(2));
    expect(out.reward).toBe(invertedPendulumReward(s, out.state));
  });

  it('the motor pushes with gear 100: with damping off, momentum after one step = 100 u dt (masses from the capsules)', () => {
    // Horizontal momentum of cart + pole changes only by the motor's force (hinge forces are
    // internal, gravity is vertical) once the slider's damping is removed.
    const undamped = makeMujocoEnv({ ...env.config, id: 'inverted-pendulum-undamped', xml: INVERTED_PENDULUM_XML.replace('damping="1"', 'damping="0"') });
    const mCart = capsuleMass(0.1, 0.2), mPole = capsuleMass(0.049, Math.hypot(0.001, 0.6));
    for (const u of [1, -2.5, 0.3]) {
      const rest: MujocoState = { qpos: [0, 0], qvel: [0, 0], u: [0], t: 0, geoms: [] };
      const { qpos, qvel } = undamped.step(rest, [u], makeRng(0)).state;
      const [, th] = qpos as [number, number];
      const [xd, thd] = qvel as [number, number];
      // Pole centre of mass at (x + 0.3 sin th + 0.0005 cos th, ...): its x velocity.
      const poleXd = xd + (0.3 * Math.cos(th) - 0.0005 * Math.sin(th)) * thd;
      const momentum = mCart * xd + mPole * poleXd;
      expect(momentum / (100 * u * 0.04)).toBeCloseTo(1, 4);
    }
  });

  it('clips the action to [-3, 3] before the motor', () => {
    const s = env.reset(makeRng(4));
    expect(env.step(s, [7], makeRng(4)).state.u).toEqual([3]);
    expect(JSON.stringify(env.step(s, [7], makeRng(4)).state.qvel)).toBe(JSON.stringify(env.step(s, [3], makeRng(4)).state.qvel));
  });

  it('is solvable to the maximum return 1,000 by a PD controller, and the pole falls without one', () => {
    const pd = (s: MujocoState) => [0.5 * s.qpos[0]! + 5 * s.qpos[1]! + 0.3 * s.qvel[0]! + 0.5 * s.qvel[1]!];
    for (const seed of [1, 2, 3]) {
      expect(episodeReturn(pd, seed).ret).toBe(1000);
      const idle = episodeReturn(() => [0], seed);
      expect(idle.ret).toBeLessThan(100);
      // No early end: the fallen pole rests against its hinge limit (90 degrees) to the last step.
      expect(idle.last.t).toBe(1000);
      expect(Math.abs(idle.last.qpos[1]!)).toBeGreaterThan(1.4);
    }
  });

  it('rejects a stored state of the wrong shape, naming the env', () => {
    const s = env.reset(makeRng(5));
    expect(() => env.step({ ...s, qpos: [0] }, [0], makeRng(5))).toThrow(/inverted-pendulum: state must have 2 qpos/);
    expect(() => env.step({ ...s, qvel: [0, Number.NaN] }, [0], makeRng(5))).toThrow(/inverted-pendulum: state has a non-finite/);
  });
});

import { locomotionReward, makeMujocoEnv, observeWithoutX, uniformNoise, type GeneralizedState } from './mujoco/mujoco-env';

/**
 * hopper: Gymnasium Hopper-v5 on MuJoCo (trainer/mujoco/load.ts must have loaded the simulator
 * in this process before `reset`/`step`).
 * - Model (written here from the task's documented dimensions, local coordinates): a planar
 *   one-legged body: torso (capsule 0.4 m, radius 0.05) on three root joints (x slide, z slide,
 *   pitch hinge), thigh (0.45 m, 0.05), leg (0.5 m, 0.04), foot (0.39 m pointing forward,
 *   0.06); thigh and leg hinges range [-150, 0] deg, foot [-45, 45] deg, damping 1, armature 1;
 *   masses from the capsules' volumes at density 1000; friction 0.9 (foot 2.0); RK4, timestep
 *   0.002, frame skip 4 (dt 0.008 s). Three motors (thigh, leg, foot), gear 200, actions in [-1, 1].
 * - Observation (11): qpos without x (z, pitch, 3 joint angles) and qvel clipped to [-10, 10].
 *   Start: qpos0 = (0, 1.25, 0, 0, 0, 0), every entry of qpos and qvel + U(-0.005, 0.005).
 * - True reward, v5's three terms: forward velocity (x_after - x_before) / dt, + 1 while healthy
 *   (z > 0.7, |pitch| < 0.2 and every qpos[2:] and qvel entry within (-100, 100)), - 0.001 |a|^2.
 *   Gymnasium ends the episode when unhealthy; here it runs its 1,000 steps and an unhealthy
 *   hopper earns no healthy reward (a clip's length must not leak its return).
 */
const TIMESTEP = 0.002;
const FRAME_SKIP = 4;
export const HOPPER_DT = TIMESTEP * FRAME_SKIP;
export const HOPPER_WEIGHTS = { forward: 1, healthy: 1, ctrlCost: 1e-3 } as const;
export const HOPPER_HEALTHY = { minZ: 0.7, maxAbsPitch: 0.2, maxAbsState: 100 } as const;
const R = { torso: 0.05, thigh: 0.05, leg: 0.04, foot: 0.06 } as const;

export const HOPPER_XML = `
<mujoco model="hopper">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option integrator="RK4" timestep="${TIMESTEP}"/>
  <default>
    <joint armature="1" damping="1" limited="true"/>
    <geom conaffinity="1" condim="1" contype="1" margin="0.001" solimp="0.8 0.8 0.01" solref="0.02 1"/>
    <motor ctrllimited="true" ctrlrange="-1 1"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" size="40 40 0.125" conaffinity="1" condim="3"/>
    <body name="torso" pos="0 0 1.25">
      <joint name="rootx" type="slide" axis="1 0 0" armature="0" damping="0" limited="false"/>
      <joint name="rootz" type="slide" axis="0 0 1" ref="1.25" armature="0" damping="0" limited="false"/>
      <joint name="rooty" type="hinge" axis="0 1 0" armature="0" damping="0" limited="false"/>
      <geom name="torso" type="capsule" fromto="0 0 0.2 0 0 -0.2" size="${R.torso}" friction="0.9"/>
      <body name="thigh" pos="0 0 -0.2">
        <joint name="thigh_joint" type="hinge" axis="0 -1 0" range="-150 0"/>
        <geom name="thigh" type="capsule" fromto="0 0 0 0 0 -0.45" size="${R.thigh}" friction="0.9"/>
        <body name="leg" pos="0 0 -0.45">
          <joint name="leg_joint" type="hinge" axis="0 -1 0" range="-150 0"/>
          <geom name="leg" type="capsule" fromto="0 0 0 0 0 -0.5" size="${R.leg}" friction="0.9"/>
          <body name="foot" pos="0 0 -0.5">
            <joint name="foot_joint" type="hinge" axis="0 -1 0" range="-45 45"/>
            <geom name="foot" type="capsule" fromto="-0.13 0 0 0.26 0 0" size="${R.foot}" friction="2.0"/>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="thigh" joint="thigh_joint" gear="200"/>
    <motor name="leg" joint="leg_joint" gear="200"/>
    <motor name="foot" joint="foot_joint" gear="200"/>
  </actuator>
</mujoco>`;

export function hopperIsHealthy(s: GeneralizedState): boolean {
  const [, z, pitch] = s.qpos as [number, number, number];
  const rest = [...s.qpos.slice(2), ...s.qvel];
  return z > HOPPER_HEALTHY.minZ && Math.abs(pitch) < HOPPER_HEALTHY.maxAbsPitch && rest.every((v) => Math.abs(v) < HOPPER_HEALTHY.maxAbsState);
}

/** v5: forward velocity + healthy reward - control cost, for the transition before -> after. */
export const hopperReward = locomotionReward({
  dt: HOPPER_DT, forward: HOPPER_WEIGHTS.forward, ctrlCost: HOPPER_WEIGHTS.ctrlCost,
  healthy: { reward: HOPPER_WEIGHTS.healthy, isHealthy: hopperIsHealthy },
});


export const hopper = makeMujocoEnv({
  id: 'hopper',
  title: 'Hopper (MuJoCo)',
  description: 'Hop forward as fast as possible on one leg without falling over (torso high and upright).',
  xml: HOPPER_XML,
  frameSkip: FRAME_SKIP,
  dt: HOPPER_DT,
  capsules: [
    { name: 'torso', radius: R.torso, fill: '#8d6e63' },
    { name: 'thigh', radius: R.thigh, fill: '#c9a26b' },
    { name: 'leg', radius: R.leg, fill: '#c9a26b' },
    { name: 'foot', radius: R.foot, fill: '#a1887f' },
  ],
  actionSpace: { low: [-1, -1, -1], high: [1, 1, 1], names: ['thigh', 'leg', 'foot'] },
  maxEpisodeSteps: 1000,
  observationSize: 11,
  initQpos: [0, 1.25, 0, 0, 0, 0],
  resetNoise: (rng, nq, nv) => ({ qpos: uniformNoise(rng, nq, 5e-3), qvel: uniformNoise(rng, nv, 5e-3) }),
  observe: (s) => observeWithoutX(s, 10),
  reward: hopperReward,
  view: { width: 3, height: 2.1, yMin: -0.35, follow: true, ground: true },
});

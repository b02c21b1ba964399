import { locomotionReward, makeMujocoEnv, observeWithoutX, uniformNoise, type GeneralizedState } from './mujoco/mujoco-env';

/**
 * walker2d: Gymnasium Walker2d-v5 on MuJoCo (trainer/mujoco/load.ts must have loaded the
 * simulator in this process before `reset`/`step`).
 * - Model (written here from the task's documented dimensions, local coordinates): a planar
 *   biped: torso (capsule 0.4 m, radius 0.05) on three root joints (x slide, z slide, pitch
 *   hinge) and two identical legs, each thigh (0.45 m, 0.05), leg (0.5 m, 0.04) and foot (0.2 m
 *   pointing forward, 0.06); thigh and knee hinges range [-150, 0] deg, feet [-45, 45] deg,
 *   damping 0.1, armature 0.01; masses from the capsules' volumes at density 1000; friction 0.9
 *   (both feet, as v5); RK4, timestep 0.002, frame skip 4 (dt 0.008 s). Six motors (right thigh,
 *   leg, foot, then left), gear 100, actions in [-1, 1].
 * - Observation (17): qpos without x (8) and qvel clipped to [-10, 10] (9). Start: qpos0 =
 *   (0, 1.25, 0, ...), every entry of qpos and qvel + U(-0.005, 0.005).
 * - True reward, v5's three terms: forward velocity (x_after - x_before) / dt, + 1 while healthy
 *   (0.8 < z < 2 and |pitch| < 1), - 0.001 |a|^2. Gymnasium ends the episode when unhealthy; here
 *   it runs its 1,000 steps and an unhealthy walker earns no healthy reward.
 */
const TIMESTEP = 0.002;
const FRAME_SKIP = 4;
export const WALKER2D_DT = TIMESTEP * FRAME_SKIP;
export const WALKER2D_WEIGHTS = { forward: 1, healthy: 1, ctrlCost: 1e-3 } as const;
export const WALKER2D_HEALTHY = { minZ: 0.8, maxZ: 2, maxAbsPitch: 1 } as const;
const R = { torso: 0.05, thigh: 0.05, leg: 0.04, foot: 0.06 } as const;

const leg = (side: string) => `
      <body name="thigh${side}" pos="0 0 -0.2">
        <joint name="thigh${side}_joint" type="hinge" axis="0 -1 0" range="-150 0"/>
        <geom name="thigh${side}" type="capsule" fromto="0 0 0 0 0 -0.45" size="${R.thigh}" friction="0.9"/>
        <body name="leg${side}" pos="0 0 -0.45">
          <joint name="leg${side}_joint" type="hinge" axis="0 -1 0" range="-150 0"/>
          <geom name="leg${side}" type="capsule" fromto="0 0 0 0 0 -0.5" size="${R.leg}" friction="0.9"/>
          <body name="foot${side}" pos="0 0 -0.5">
            <joint name="foot${side}_joint" type="hinge" axis="0 -1 0" range="-45 45"/>
            <geom name="foot${side}" type="capsule" fromto="0 0 0 0.2 0 0" size="${R.foot}" friction="0.9"/>
          </body>
        </body>
      </body>`;

export const WALKER2D_XML = `
<mujoco model="walker2d">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option integrator="RK4" timestep="${TIMESTEP}"/>
  <default>
    <joint armature="0.01" damping="0.1" limited="true"/>
    <geom conaffinity="0" condim="3" contype="1" density="1000" friction="0.7 0.1 0.1"/>
    <motor ctrllimited="true" ctrlrange="-1 1"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" size="40 40 40" conaffinity="1" condim="3"/>
    <body name="torso" pos="0 0 1.25">
      <joint name="rootx" type="slide" axis="1 0 0" armature="0" damping="0" limited="false"/>
      <joint name="rootz" type="slide" axis="0 0 1" ref="1.25" armature="0" damping="0" limited="false"/>
      <joint name="rooty" type="hinge" axis="0 1 0" armature="0" damping="0" limited="false"/>
      <geom name="torso" type="capsule" fromto="0 0 0.2 0 0 -0.2" size="${R.torso}" friction="0.9"/>${leg('')}${leg('_left')}
    </body>
  </worldbody>
  <actuator>
    <motor name="thigh" joint="thigh_joint" gear="100"/>
    <motor name="leg" joint="leg_joint" gear="100"/>
    <motor name="foot" joint="foot_joint" gear="100"/>
    <motor name="thigh_left" joint="thigh_left_joint" gear="100"/>
    <motor name="leg_left" joint="leg_left_joint" gear="100"/>
    <motor name="foot_left" joint="foot_left_joint" gear="100"/>
  </actuator>
</mujoco>`;

export function walker2dIsHealthy(s: GeneralizedState): boolean {
  const [, z, pitch] = s.qpos as [number, number, number];
  return z > WALKER2D_HEALTHY.minZ && z < WALKER2D_HEALTHY.maxZ && Math.abs(pitch) < WALKER2D_HEALTHY.maxAbsPitch;
}

/** v5: forward velocity + healthy reward - control cost, for the transition before -> after. */
export const walker2dReward = locomotionReward({
  dt: WALKER2D_DT, forward: WALKER2D_WEIGHTS.forward, ctrlCost: WALKER2D_WEIGHTS.ctrlCost,
  healthy: { reward: WALKER2D_WEIGHTS.healthy, isHealthy: walker2dIsHealthy },
});

const RIGHT = '#c9a26b', LEFT = '#9c6f9a';

export const walker2d = makeMujocoEnv({
  id: 'walker2d',
  title: 'Walker (MuJoCo)',
  description: 'Walk forward as fast as possible on two legs without falling (torso between 0.8 and 2 m, upright).',
  xml: WALKER2D_XML,
  frameSkip: FRAME_SKIP,
  dt: WALKER2D_DT,
  // The left leg first: drawn behind the right one.
  capsules: [
    { name: 'thigh_left', radius: R.thigh, fill: LEFT },
    { name: 'leg_left', radius: R.leg, fill: LEFT },
    { name: 'foot_left', radius: R.foot, fill: LEFT },
    { name: 'torso', radius: R.torso, fill: '#8d6e63' },
    { name: 'thigh', radius: R.thigh, fill: RIGHT },
    { name: 'leg', radius: R.leg, fill: RIGHT },
    { name: 'foot', radius: R.foot, fill: RIGHT },
  ],
  actionSpace: { low: [-1, -1, -1, -1, -1, -1], high: [1, 1, 1, 1, 1, 1], names: ['right thigh', 'right knee', 'right foot', 'left thigh', 'left knee', 'left foot'] },
  maxEpisodeSteps: 1000,
  observationSize: 17,
  initQpos: [0, 1.25, 0, 0, 0, 0, 0, 0, 0],
  resetNoise: (rng, nq, nv) => ({ qpos: uniformNoise(rng, nq, 5e-3), qvel: uniformNoise(rng, nv, 5e-3) }),
  observe: (s) => observeWithoutX(s, 10),
  reward: walker2dReward,
  view: { width: 3, height: 2.1, yMin: -0.35, follow: true, ground: true },
});

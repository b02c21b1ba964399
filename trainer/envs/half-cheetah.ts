import { locomotionReward, makeMujocoEnv, observeWithoutX, uniformNoise } from './mujoco/mujoco-env';

/**
 * half-cheetah: Gymnasium HalfCheetah-v5 on MuJoCo (trainer/mujoco/load.ts must have loaded the
 * simulator in this process before `reset`/`step`).
 * - Model (written here from the task's documented dimensions): a planar two-legged body: torso
 *   (capsule 1 m, radius 0.046) with a head, on three root joints (x slide, z slide, pitch
 *   hinge); back and front thigh, shin and foot hinges with the task's ranges, stiffness and
 *   damping; total mass 14 kg (spread by geom volume); friction 0.4; Euler, timestep 0.01, frame
 *   skip 5 (dt 0.05 s). Six motors, gears 120, 90, 60 (back thigh, shin, foot) and 120, 60, 30
 *   (front), actions in [-1, 1].
 * - Observation (17): qpos without x (8) and qvel (9). Start: qpos0 = 0 + U(-0.1, 0.1) per entry,
 *   qvel = 0.1 N(0, 1) per entry.
 * - True reward, v5's two terms: forward velocity (x_after - x_before) / dt - 0.1 |a|^2. No
 *   healthy term and no termination (as Gymnasium); 1,000 steps.
 */
const TIMESTEP = 0.01;
const FRAME_SKIP = 5;
export const HALF_CHEETAH_DT = TIMESTEP * FRAME_SKIP;
export const HALF_CHEETAH_WEIGHTS = { forward: 1, ctrlCost: 0.1 } as const;
const RADIUS = 0.046;

export const HALF_CHEETAH_XML = `
<mujoco model="half-cheetah">
  <compiler angle="radian" inertiafromgeom="true" settotalmass="14"/>
  <option gravity="0 0 -9.81" timestep="${TIMESTEP}"/>
  <default>
    <joint armature="0.1" damping="0.01" limited="true" solimplimit="0 0.8 0.03" solreflimit="0.02 1" stiffness="8"/>
    <geom conaffinity="0" condim="3" contype="1" friction="0.4 0.1 0.1" solimp="0.0 0.8 0.01" solref="0.02 1" size="${RADIUS}"/>
    <motor ctrllimited="true" ctrlrange="-1 1"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" size="40 40 40" conaffinity="1" condim="3"/>
    <body name="torso" pos="0 0 0.7">
      <joint name="rootx" type="slide" axis="1 0 0" armature="0" damping="0" stiffness="0" limited="false"/>
      <joint name="rootz" type="slide" axis="0 0 1" armature="0" damping="0" stiffness="0" limited="false"/>
      <joint name="rooty" type="hinge" axis="0 1 0" armature="0" damping="0" stiffness="0" limited="false"/>
      <geom name="torso" type="capsule" fromto="-0.5 0 0 0.5 0 0"/>
      <geom name="head" type="capsule" pos="0.6 0 0.1" axisangle="0 1 0 0.87" size="${RADIUS} 0.15"/>
      <body name="bthigh" pos="-0.5 0 0">
        <joint name="bthigh" type="hinge" axis="0 1 0" range="-0.52 1.05" stiffness="240" damping="6"/>
        <geom name="bthigh" type="capsule" pos="0.1 0 -0.13" axisangle="0 1 0 -3.8" size="${RADIUS} 0.145"/>
        <body name="bshin" pos="0.16 0 -0.25">
          <joint name="bshin" type="hinge" axis="0 1 0" range="-0.785 0.785" stiffness="180" damping="4.5"/>
          <geom name="bshin" type="capsule" pos="-0.14 0 -0.07" axisangle="0 1 0 -2.03" size="${RADIUS} 0.15"/>
          <body name="bfoot" pos="-0.28 0 -0.14">
            <joint name="bfoot" type="hinge" axis="0 1 0" range="-0.4 0.785" stiffness="120" damping="3"/>
            <geom name="bfoot" type="capsule" pos="0.03 0 -0.097" axisangle="0 1 0 -0.27" size="${RADIUS} 0.094"/>
          </body>
        </body>
      </body>
      <body name="fthigh" pos="0.5 0 0">
        <joint name="fthigh" type="hinge" axis="0 1 0" range="-1 0.7" stiffness="180" damping="4.5"/>
        <geom name="fthigh" type="capsule" pos="-0.07 0 -0.12" axisangle="0 1 0 0.52" size="${RADIUS} 0.133"/>
        <body name="fshin" pos="-0.14 0 -0.24">
          <joint name="fshin" type="hinge" axis="0 1 0" range="-1.2 0.87" stiffness="120" damping="3"/>
          <geom name="fshin" type="capsule" pos="0.065 0 -0.09" axisangle="0 1 0 -0.6" size="${RADIUS} 0.106"/>
          <body name="ffoot" pos="0.13 0 -0.18">
            <joint name="ffoot" type="hinge" axis="0 1 0" range="-0.5 0.5" stiffness="60" damping="1.5"/>
            <geom name="ffoot" type="capsule" pos="0.045 0 -0.07" axisangle="0 1 0 -0.6" size="${RADIUS} 0.07"/>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="bthigh" joint="bthigh" gear="120"/>
    <motor name="bshin" joint="bshin" gear="90"/>
    <motor name="bfoot" joint="bfoot" gear="60"/>
    <motor name="fthigh" joint="fthigh" gear="120"/>
    <motor name="fshin" joint="fshin" gear="60"/>
    <motor name="ffoot" joint="ffoot" gear="30"/>
  </actuator>
</mujoco>`;

/** v5: forward velocity - 0.1 |a|^2, for the transition before -> after. */
export const halfCheetahReward = locomotionReward({ dt: HALF_CHEETAH_DT, forward: HALF_CHEETAH_WEIGHTS.forward, ctrlCost: HALF_CHEETAH_WEIGHTS.ctrlCost });

const BODY = '#8d6e63', LIMB = '#c9a26b', LOWER = '#d7a49a';

export const halfCheetah = makeMujocoEnv({
  id: 'half-cheetah',
  title: 'Half-cheetah (MuJoCo)',
  description: 'Run forward as fast as possible, with as little effort as possible (flipping over is allowed).',
  xml: HALF_CHEETAH_XML,
  frameSkip: FRAME_SKIP,
  dt: HALF_CHEETAH_DT,
  capsules: [
    { name: 'bthigh', radius: RADIUS, fill: LIMB },
    { name: 'bshin', radius: RADIUS, fill: LOWER },
    { name: 'bfoot', radius: RADIUS, fill: LOWER },
    { name: 'fthigh', radius: RADIUS, fill: LIMB },
    { name: 'fshin', radius: RADIUS, fill: LOWER },
    { name: 'ffoot', radius: RADIUS, fill: LOWER },
    { name: 'torso', radius: RADIUS, fill: BODY },
    { name: 'head', radius: RADIUS, fill: BODY },
  ],
  actionSpace: { low: [-1, -1, -1, -1, -1, -1], high: [1, 1, 1, 1, 1, 1], names: ['back thigh', 'back shin', 'back foot', 'front thigh', 'front shin', 'front foot'] },
  maxEpisodeSteps: 1000,
  observationSize: 17,
  initQpos: [0, 0, 0, 0, 0, 0, 0, 0, 0],
  resetNoise: (rng, nq, nv) => ({ qpos: uniformNoise(rng, nq, 0.1), qvel: Array.from({ length: nv }, () => 0.1 * rng.normal()) }),
  observe: (s) => observeWithoutX(s),
  reward: halfCheetahReward,
  view: { width: 4, height: 1.9, yMin: -0.35, follow: true, ground: true },
});

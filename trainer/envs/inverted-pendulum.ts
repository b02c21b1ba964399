import { makeMujocoEnv, uniformNoise, type GeneralizedState } from './mujoco/mujoco-env';

/**
 * inverted-pendulum: Gymnasium InvertedPendulum-v5 on MuJoCo (trainer/mujoco/load.ts must have
 * loaded the simulator in this process before `reset`/`step`).
 * - Model (written here from the task's documented dimensions): a cart on a rail (slide joint,
 *   range [-1, 1] m, damping 1) carrying a pole (hinge, range [-90, 90] deg, damping 1); cart a
 *   capsule of radius 0.1 and half-length 0.1, pole a capsule of radius 0.049 and length 0.6;
 *   masses from the geoms' volumes at density 1000; gravity 9.81; RK4, timestep 0.02, frame skip
 *   2 (dt 0.04 s). One motor on the slider, gear 100, action in [-3, 3].
 * - Observation: qpos (cart x, pole angle) and qvel (4 numbers). Start: all four U(-0.01, 0.01).
 * - True reward (v5): +1 per step while the pole is within 0.2 rad of upright (and the state is
 *   finite), else 0. Gymnasium ends the episode there; here the episode runs its full 1,000
 *   steps and an unbalanced pole just earns nothing (a clip's length must not leak its return),
 *   so the maximum return is 1,000 as in Gymnasium.
 */
const TIMESTEP = 0.02;
const FRAME_SKIP = 2;
const POLE = { radius: 0.049, length: 0.6 } as const;
const CART = { radius: 0.1, halfLength: 0.1 } as const;
const RAIL = { radius: 0.02, halfLength: 1 } as const;
/** |angle| beyond this (rad) earns no reward. */
export const INVERTED_PENDULUM_MAX_ANGLE = 0.2;

// The capsules lie along x (cart, rail) by turning their local z onto x: quat (cos 45, 0, sin 45, 0).
const ALONG_X = 'quat="0.70710678 0 0.70710678 0"';

export const INVERTED_PENDULUM_XML = `
<mujoco model="inverted-pendulum">
  <compiler inertiafromgeom="true"/>
  <option gravity="0 0 -9.81" integrator="RK4" timestep="${TIMESTEP}"/>
  <default>
    <joint armature="0" damping="1" limited="true"/>
    <geom contype="0" conaffinity="0" friction="1 0.1 0.1"/>
  </default>
  <worldbody>
    <geom name="rail" type="capsule" pos="0 0 0" ${ALONG_X} size="${RAIL.radius} ${RAIL.halfLength}"/>
    <body name="cart" pos="0 0 0">
      <joint name="slider" type="slide" axis="1 0 0" range="-1 1"/>
      <geom name="cart" type="capsule" pos="0 0 0" ${ALONG_X} size="${CART.radius} ${CART.halfLength}"/>
      <body name="pole" pos="0 0 0">
        <joint name="hinge" type="hinge" axis="0 1 0" range="-90 90"/>
        <geom name="pole" type="capsule" fromto="0 0 0 0.001 0 ${POLE.length}" size="${POLE.radius}"/>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="slide" joint="slider" gear="100" ctrllimited="true" ctrlrange="-3 3"/>
  </actuator>
</mujoco>`;

/** v5's reward for arriving in `after`: 1 while the pole is near upright and the state finite. */
export function invertedPendulumReward(_before: GeneralizedState, after: GeneralizedState): number {
  const finite = [...after.qpos, ...after.qvel].every(Number.isFinite);
  return finite && Math.abs(after.qpos[1]!) <= INVERTED_PENDULUM_MAX_ANGLE ? 1 : 0;
}

export const invertedPendulum = makeMujocoEnv({
  id: 'inverted-pendulum',
  title: 'Inverted pendulum (MuJoCo)',
  description: 'Move the cart along its rail to keep the pole balanced upright for the whole clip.',
  xml: INVERTED_PENDULUM_XML,
  frameSkip: FRAME_SKIP,
  dt: TIMESTEP * FRAME_SKIP,
  capsules: [
    { name: 'rail', radius: RAIL.radius, fill: '#5c6bc0' },
    { name: 'cart', radius: CART.radius, fill: '#b8a12e' },
    { name: 'pole', radius: POLE.radius, fill: '#00897b' },
  ],
  actionSpace: { low: [-3], high: [3], names: ['cart force'] },
  maxEpisodeSteps: 1000,
  observationSize: 4,
  initQpos: [0, 0],
  resetNoise: (rng, nq, nv) => ({ qpos: uniformNoise(rng, nq, 0.01), qvel: uniformNoise(rng, nv, 0.01) }),
  observe: (s) => [...s.qpos, ...s.qvel],
  reward: invertedPendulumReward,
  // Fixed camera over the whole rail: the pole's tip reaches 1.65 m from the centre at most.
  view: { width: 3.5, height: 1.2, yMin: -0.35, follow: false, ground: false },
});

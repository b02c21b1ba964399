import type { Env, Frame, StepResult } from './types';

/**
 * cartpole: Gymnasium CartPole-v1 (Barto, Sutton & Anderson 1983), discrete actions.
 * - Actions: 0 pushes the cart left, 1 pushes it right, with a force of 10 N.
 * - Explicit Euler integration with tau = 0.02 s, exactly as Gymnasium's default
 *   `kinematics_integrator = "euler"` (positions are updated with the OLD velocities).
 * - Terminates when |x| > 2.4 or |theta| > 12 degrees; true reward +1 for every step taken
 *   (the step that terminates included, as in v1); the time limit cuts episodes at 500 steps.
 * - Start: each of x, xDot, theta, thetaDot uniform in [-0.05, 0.05].
 *
 * `t` counts the steps taken, so the time limit is part of the state and `done` is a pure
 * function of it. Stepping a fallen pole is absorbing (state unchanged, reward 0, done) rather
 * than Gymnasium's undefined "keep integrating": rollouts from stored states never need a
 * special case and a learned reward cannot be farmed after the fall.
 */
export interface CartPoleState {
  /** Cart position (m), 0 = centre of the track. */
  x: number;
  xDot: number;
  /** Pole angle from vertical (rad), positive = leaning right (clockwise). */
  theta: number;
  thetaDot: number;
  /** Steps taken since reset. */
  t: number;
}

/** Gymnasium's constants, named as there. */
export const CARTPOLE = {
  gravity: 9.8,
  massCart: 1.0,
  massPole: 0.1,
  /** HALF the pole's length (m), as Gymnasium's `length`. */
  length: 0.5,
  forceMag: 10.0,
  tau: 0.02,
  xThreshold: 2.4,
  thetaThreshold: (12 * 2 * Math.PI) / 360,
  maxEpisodeSteps: 500,
} as const;

const ACTIONS = ['push left', 'push right'] as const;

/** The pole fell or the cart left the track (not the time limit). */
export function cartPoleFailed(s: CartPoleState): boolean {
  return (
    s.x < -CARTPOLE.xThreshold || s.x > CARTPOLE.xThreshold ||
    s.theta < -CARTPOLE.thetaThreshold || s.theta > CARTPOLE.thetaThreshold
  );
}

function isDone(s: CartPoleState): boolean {
  return cartPoleFailed(s) || s.t >= CARTPOLE.maxEpisodeSteps;
}

function step(state: CartPoleState, action: number): StepResult<CartPoleState> {
  if (action !== 0 && action !== 1) {
    throw new Error(`cartpole: action must be 0 (left) or 1 (right), got ${action}`);
  }
  if (cartPoleFailed(state)) return { state, reward: 0, done: true };
  const { gravity, massCart, massPole, length, forceMag, tau } = CARTPOLE;
  const totalMass = massCart + massPole;
  const poleMassLength = massPole * length;
  const { x, xDot, theta, thetaDot } = state;
  const force = action === 1 ? forceMag : -forceMag;
  const cosTheta = Math.cos(theta);
  const sinTheta = Math.sin(theta);
  // Florian (2007) "Correct equations for the dynamics of the cart-pole system", as in Gymnasium.
  const temp = (force + poleMassLength * thetaDot * thetaDot * sinTheta) / totalMass;
  const thetaAcc = (gravity * sinTheta - cosTheta * temp) /
    (length * (4.0 / 3.0 - (massPole * cosTheta * cosTheta) / totalMass));
  const xAcc = temp - (poleMassLength * thetaAcc * cosTheta) / totalMass;
  const next: CartPoleState = {
    x: x + tau * xDot,
    xDot: xDot + tau * xAcc,
    theta: theta + tau * thetaDot,
    thetaDot: thetaDot + tau * thetaAcc,
    t: state.t + 1,
  };
  return { state: next, reward: 1, done: isDone(next) };
}

// Drawing, in metres. The viewport holds every reachable state: a running cart stays within
// |x| <= 2.4, and the one Euler step that ends an episode overshoots by tau * |xDot| < 0.25 m
// (|xDot| < 10 m/s on a 4.8 m track at <= ~10 m/s^2) and tilts the pole by < 0.1 rad more.
const CART_W = 0.5;
const CART_H = 0.3;
const POLE_LEN = 2 * CARTPOLE.length;
const VIEW = { xMin: -3.2, xMax: 3.2, yMin: -0.6, yMax: 1.6 } as const;

function render(s: CartPoleState): Frame {
  const pivotY = CART_H / 2;
  const tipX = s.x + POLE_LEN * Math.sin(s.theta);
  const tipY = pivotY + POLE_LEN * Math.cos(s.theta);
  const edge = CARTPOLE.xThreshold;
  const fallen = cartPoleFailed(s);
  return {
    viewport: { ...VIEW },
    background: '#ffffff',
    items: [
      // Track with the two limits the cart must not cross.
      { kind: 'line', x1: -edge, y1: -CART_H / 2, x2: edge, y2: -CART_H / 2, stroke: '#455a64', width: 0.03 },
      { kind: 'line', x1: -edge, y1: -0.45, x2: -edge, y2: 0.2, stroke: '#c62828', width: 0.03 },
      { kind: 'line', x1: edge, y1: -0.45, x2: edge, y2: 0.2, stroke: '#c62828', width: 0.03 },
      // Centre mark: where a good controller keeps the cart.
      { kind: 'line', x1: 0, y1: -0.3, x2: 0, y2: -CART_H / 2, stroke: '#90a4ae', width: 0.02 },
      { kind: 'rect', x: s.x - CART_W / 2, y: -CART_H / 2, w: CART_W, h: CART_H, fill: '#263238' },
      { kind: 'line', x1: s.x, y1: pivotY, x2: tipX, y2: tipY, stroke: fallen ? '#c62828' : '#ef6c00', width: 0.08 },
      { kind: 'circle', x: s.x, y: pivotY, r: 0.05, fill: '#90a4ae' },
    ],
  };
}

export const cartpole: Env<CartPoleState> = {
  id: 'cartpole',
  title: 'Cart-pole',
  description: 'Keep the pole upright for as long as possible, with the cart near the centre of the track.',
  actionNames: ACTIONS,
  observationSize: 4,
  maxEpisodeSteps: CARTPOLE.maxEpisodeSteps,
  reset: (rng) => {
    const u = () => -0.05 + 0.1 * rng.next();
    return { x: u(), xDot: u(), theta: u(), thetaDot: u(), t: 0 };
  },
  step: (state, action) => step(state, action),
  // Gymnasium's observation, in its order.
  observe: (s) => [s.x, s.xDot, s.theta, s.thetaDot],
  render,
};

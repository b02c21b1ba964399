import type { BoxActionSpace } from '../../envs/types';

/**
 * The learners work in the normalised box (-1, 1)^A (what tanh gives); envs, clips and the
 * reward model see the env's own units. The affine map between them, and its log-Jacobian
 * (what a log-probability in env units loses: sum_i log((high_i - low_i) / 2)).
 */
export function toEnvAction(space: BoxActionSpace, normalised: ArrayLike<number>, offset = 0): number[] {
  return space.low.map((low, i) => low + (normalised[offset + i]! + 1) * 0.5 * (space.high[i]! - low));
}

export function toNormalisedAction(space: BoxActionSpace, action: ArrayLike<number>, out: Float32Array, offset = 0): void {
  space.low.forEach((low, i) => {
    out[offset + i] = (2 * (action[i]! - low)) / (space.high[i]! - low) - 1;
  });
}

export function logHalfWidths(space: BoxActionSpace): number {
  return space.low.reduce((s, low, i) => s + Math.log((space.high[i]! - low) / 2), 0);
}

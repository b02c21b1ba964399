/**
 * Scalar helpers in their numerically stable forms, shared by the tabular maths.
 * None of them ever takes exp() of a large positive number.
 */

/**
 * log sum_i exp(values[offset + i] / temperature) for i in [0, length), shifted by the maximum so
 * that exp never overflows (the classic logsumexp trick). `temperature` defaults to 1. The shift is
 * subtracted before dividing by the temperature, so close values keep their digits.
 */
export function logSumExp(values: ArrayLike<number>, offset = 0, length = values.length - offset, temperature = 1): number {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, values[offset + i]!);
  if (max === -Infinity) return -Infinity;
  let total = 0;
  for (let i = 0; i < length; i++) total += Math.exp((values[offset + i]! - max) / temperature);
  return max / temperature + Math.log(total);
}

// sigmoid, softplus and the Bradley-Terry loss live in one place for the whole trainer.
export {
  sigmoid,
  softplus,
  logSigmoid,
  bradleyTerryLoss as bradleyTerry,
  bradleyTerryLossGrad as bradleyTerryGrad,
} from '../preference/bradley-terry';

export function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}

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

/** sigma(z) = 1 / (1 + e^-z), evaluated on the side where the exponent is <= 0. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^-|z|). */
export function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

/** log sigma(z) = -softplus(-z). */
export function logSigmoid(z: number): number {
  return -softplus(-z);
}

/**
 * Bradley-Terry loss with a soft label p = P(first preferred), as a function of
 * delta = R(d1) - R(d2):  l = -[p log sig(delta) + (1 - p) log sig(-delta)]
 *                           = softplus(delta) - p * delta       (since softplus(-z) = softplus(z) - z).
 * With p in {0, 0.5, 1} it is the loss of a hard label; with p = sig(beta (Rbar1 - Rbar2)) it is
 * the loss averaged over y ~ Bernoulli(p) (the loss is linear in y).
 * d l / d delta = sig(delta) - p.
 */
export function bradleyTerry(delta: number, p: number): number {
  return softplus(delta) - p * delta;
}

export function bradleyTerryGrad(delta: number, p: number): number {
  return sigmoid(delta) - p;
}

export function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}

/**
 * Bradley-Terry preference loss on plain numbers (the tfjs reward model has its own tensor
 * version). With delta = R_x(d1) - R_x(d2) and y = P(d1 preferred):
 *   l = -[ y log sig(delta) + (1 - y) log sig(-delta) ]
 * Stable form: log sig(z) = -softplus(-z), softplus(z) = max(z, 0) + log1p(exp(-|z|)),
 * so no exp() of a large positive number is ever taken.
 *   dl/d delta = sig(delta) - y.
 */
export function softplus(z: number): number {
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** log sig(z) = -softplus(-z). */
export function logSigmoid(z: number): number {
  return -softplus(-z);
}

/**
 * With a soft label y = P(first preferred) (e.g. sig(beta (Rbar1 - Rbar2))) this is the loss
 * averaged over y ~ Bernoulli: the loss is linear in y.
 */
export function bradleyTerryLoss(delta: number, y: number): number {
  return y * softplus(-delta) + (1 - y) * softplus(delta);
}

export function bradleyTerryLossGrad(delta: number, y: number): number {
  return sigmoid(delta) - y;
}

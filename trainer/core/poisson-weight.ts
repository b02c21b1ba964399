/** Poisson(1) draw from a hash of (label id, member): deterministic, so a member's resample is stable. */
export function poissonWeight(labelId: number, member: number): number {
  let h = Math.imul(labelId ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(member + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  const u = ((h ^ (h >>> 15)) >>> 0) / 4294967296;
  // Inverse CDF of Poisson(1): P(0) = P(1) = e^-1, P(2) = e^-1 / 2, ...
  let k = 0, p = Math.exp(-1), cdf = p;
  while (u > cdf && k < 12) {
    k++;
    p /= k;
    cdf += p;
  }
  return k;
}

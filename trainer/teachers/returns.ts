/**
 * What a teacher "sees" of a clip: sums of its true rewards.
 * A clip that ended early (the episode terminated inside it) simply has fewer rewards; on
 * cartpole that makes a fall a lower return, which is the preference we want.
 */

/** R = sum_h r_h. */
export function segmentReturn(rewards: readonly number[]): number {
  let total = 0;
  for (const r of rewards) total += r;
  return total;
}

/**
 * Myopic return R = sum_h gamma^(H-1-h) r_h for h = 0..H-1: the last step weighs 1 and each
 * step before it gamma times less (B-Pref's myopic teacher remembers the end of a clip best).
 * gamma = 1 gives segmentReturn.
 */
export function myopicReturn(rewards: readonly number[], gamma: number): number {
  // Horner from the first step: ((r0 * g + r1) * g + r2) ... gives r_h * g^(H-1-h).
  let total = 0;
  for (const r of rewards) total = total * gamma + r;
  return total;
}

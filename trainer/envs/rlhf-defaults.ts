/**
 * Per-environment RLHF settings: the ones the README's numbers were measured with. The command
 * line (`simulate`) and the trainer service (a run's config fields left unset) both start from
 * these, so a run created in the UI trains like the simulation that was measured.
 */
export interface RlhfDefaults {
  /** Steps per clip (segment length H). */
  horizon: number;
  /** Discount of the soft MDP. */
  gamma: number;
  /** Entropy weight of the soft-optimal policy. */
  tau: number;
  /** Pairs labeled per outer iteration in `simulate`. */
  pairsPerIter: number;
  /** Bradley-Terry rationality of the scripted teacher. */
  beta: number;
}

export const RLHF_DEFAULTS: Record<string, RlhfDefaults> = {
  grid5: { horizon: 12, gamma: 0.9, tau: 0.1, pairsPerIter: 8, beta: 5 },
  // Clips long enough to reach the reward from the far start: 12 moves in fourrooms, ~15 steps
  // against the current in riverswim.
  fourrooms: { horizon: 16, gamma: 0.9, tau: 0.1, pairsPerIter: 8, beta: 5 },
  riverswim: { horizon: 20, gamma: 0.9, tau: 0.1, pairsPerIter: 8, beta: 5 },
  cartpole: { horizon: 25, gamma: 0.99, tau: 0.05, pairsPerIter: 50, beta: 1 },
  mountaincar: { horizon: 25, gamma: 0.99, tau: 0.05, pairsPerIter: 50, beta: 1 },
  acrobot: { horizon: 25, gamma: 0.99, tau: 0.05, pairsPerIter: 50, beta: 1 },
  // Continuous (SAC lower level): tau is SAC's entropy weight alpha (fixed), or the auto-tuner's
  // start; 200 labels in 10 iterations of 20 pairs (the README's pendulum table).
  pendulum: { horizon: 25, gamma: 0.99, tau: 0.2, pairsPerIter: 20, beta: 1 },
};

/** The env's defaults; environments added without an entry get the classic-control ones. */
export function rlhfDefaults(envId: string): RlhfDefaults {
  return (Object.hasOwn(RLHF_DEFAULTS, envId) ? RLHF_DEFAULTS[envId] : undefined) ?? RLHF_DEFAULTS.cartpole!;
}

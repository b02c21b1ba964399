/**
 * The lower level every continuous algorithm shares: SAC (sac.ts) with a replay WITHOUT learned
 * rewards, relabelled at every update by the CURRENT reward model (or, for the oracle, the true
 * rewards stored beside each transition). The networks persist across outer iterations: the
 * warm start.
 */
import type { Rng } from '../../core/rng';
import type { ContinuousPolicy, ContinuousTransition } from './experience';
import { ContinuousReplay } from './replay';
import { DEFAULT_SAC, SacLearner, type ContinuousRewardSource, type SacConfig } from './sac';

export interface ContinuousLowerConfig {
  /** SAC updates per outer iteration, warm-started. */
  updatesPerIter: number;
  replayCapacity: number;
  /** Updates wait until the replay holds this many transitions. */
  minReplay: number;
  /** SAC settings (obs / action sizes, gamma, alpha and seed come from the run). */
  sac: Partial<Omit<SacConfig, 'obsSize' | 'actionSize' | 'gamma' | 'alpha' | 'seed'>>;
}

export const DEFAULT_CONTINUOUS_LOWER: ContinuousLowerConfig = {
  updatesPerIter: 1000,
  replayCapacity: 100_000,
  minReplay: 500,
  sac: {},
};

/** Where the lower level's rewards come from: the learned r_x, or the env's true reward (the oracle). */
export type LowerReward = ContinuousRewardSource | 'true';

export class ContinuousLowerLevel {
  readonly sac: SacLearner;
  readonly replay: ContinuousReplay;
  /** Sampled actions of the current policy (what collection and the hyper-gradient's rollouts use). */
  readonly policy: ContinuousPolicy;
  /** The deterministic tanh(mu) policy (evaluation; SAC papers report it). */
  readonly meanPolicy: ContinuousPolicy;

  constructor(obsSize: number, actionSize: number, gamma: number, tau: number, seed: number, readonly config: ContinuousLowerConfig = DEFAULT_CONTINUOUS_LOWER) {
    this.sac = new SacLearner({ ...DEFAULT_SAC, ...config.sac, obsSize, actionSize, gamma, alpha: tau, seed: seed * 131 + 7 });
    this.replay = new ContinuousReplay(config.replayCapacity, obsSize, actionSize);
    this.policy = (obs, rows, rng) => this.sac.act(obs, rows, rng);
    this.meanPolicy = (obs, rows) => this.sac.act(obs, rows, null);
  }

  /** Time-limit cuts are stored as not-terminal: SAC bootstraps through them. */
  add(transitions: readonly ContinuousTransition[]): void {
    for (const tr of transitions) this.replay.add(tr.obs, tr.normalisedAction, tr.nextObs, tr.done && !tr.truncated, tr.trueReward);
  }

  /** `steps` SAC updates under `reward`; mean metrics (zeros while the replay warms up). */
  train(reward: LowerReward, rng: Rng, steps = this.config.updatesPerIter): { critic: number; actor: number; alpha: number; entropy: number } {
    const out = { critic: 0, actor: 0, alpha: this.sac.alpha, entropy: 0 };
    if (this.replay.size < this.config.minReplay || steps <= 0) return out;
    for (let i = 0; i < steps; i++) {
      const batch = this.replay.sample(this.sac.config.batchSize, rng);
      const rewards = reward === 'true' ? batch.trueRewards : reward(batch.obs, batch.actions, batch.size);
      const m = this.sac.update(batch, rewards, rng);
      out.critic += m.criticLoss / steps;
      out.actor += m.actorLoss / steps;
      out.entropy += m.entropy / steps;
    }
    out.alpha = this.sac.alpha;
    return out;
  }
}

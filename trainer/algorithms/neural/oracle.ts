/**
 * Oracle baseline, neural: the SAME soft Q-learner (network, optimiser, updates per iteration,
 * env-step budget) trained on the environment's TRUE reward. It uses no labels; its return is
 * the upper bound a preference learner with the same budget can reach. True rewards depend on
 * the transition, not only on the observation, so they are stored beside each transition in
 * this replay (the learners' replay stores none) and handed to the update as its reward.
 */
import type { Rng } from '../../core/rng';
import type { TransitionBatch } from '../../models/replay-buffer';
import type { Transition } from './experience';
import { LowerLevel, type LowerLevelConfig, DEFAULT_LOWER_LEVEL } from './lower-level';

/** Ring of transitions with their true rewards. */
class TrueRewardReplay {
  private readonly obs: Float32Array;
  private readonly nextObs: Float32Array;
  private readonly actions: Int32Array;
  private readonly done: Float32Array;
  private readonly rewards: Float32Array;
  private count = 0;
  private head = 0;

  constructor(readonly capacity: number, readonly obsSize: number) {
    this.obs = new Float32Array(capacity * obsSize);
    this.nextObs = new Float32Array(capacity * obsSize);
    this.actions = new Int32Array(capacity);
    this.done = new Float32Array(capacity);
    this.rewards = new Float32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(tr: Transition): void {
    const i = this.head, d = this.obsSize;
    this.obs.set(tr.obs, i * d);
    this.nextObs.set(tr.nextObs, i * d);
    this.actions[i] = tr.action;
    this.done[i] = tr.done && !tr.truncated ? 1 : 0;
    this.rewards[i] = tr.trueReward;
    this.head = (i + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  sample(size: number, rng: Rng): { batch: TransitionBatch; rewards: Float32Array } {
    const d = this.obsSize;
    const batch = { size, obsSize: d, obs: new Float32Array(size * d), actions: new Int32Array(size), nextObs: new Float32Array(size * d), done: new Float32Array(size) };
    const rewards = new Float32Array(size);
    for (let b = 0; b < size; b++) {
      const i = rng.int(this.count);
      batch.obs.set(this.obs.subarray(i * d, (i + 1) * d), b * d);
      batch.nextObs.set(this.nextObs.subarray(i * d, (i + 1) * d), b * d);
      batch.actions[b] = this.actions[i]!;
      batch.done[b] = this.done[i]!;
      rewards[b] = this.rewards[i]!;
    }
    return { batch, rewards };
  }
}

/** The oracle's lower level: same learner as the others, true rewards from its own replay. */
export class OracleLowerLevel extends LowerLevel {
  private readonly truth: TrueRewardReplay;

  constructor(obsSize: number, numActions: number, gamma: number, tau: number, seed: number, config: LowerLevelConfig = DEFAULT_LOWER_LEVEL) {
    super(obsSize, numActions, gamma, tau, seed, config);
    this.truth = new TrueRewardReplay(config.replayCapacity, obsSize);
  }

  override add(transitions: readonly Transition[]): void {
    for (const tr of transitions) this.truth.add(tr);
  }

  /** N updates on the true reward (the `reward` argument of the learners' version is unused). */
  trainOnTruth(rng: Rng): number {
    if (this.truth.size < this.config.minReplay) return 0;
    let total = 0;
    for (let i = 0; i < this.config.updatesPerIter; i++) {
      const { batch, rewards } = this.truth.sample(this.q.config.batchSize, rng);
      total += this.q.update(batch, () => rewards);
    }
    return this.config.updatesPerIter > 0 ? total / this.config.updatesPerIter : 0;
  }
}

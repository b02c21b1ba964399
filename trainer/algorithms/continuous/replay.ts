import type { Rng } from '../../core/rng';

/**
 * SAC's replay of continuous transitions: observations, normalised actions (-1..1, see
 * action-box.ts), next observations, the terminal flag and the TRUE reward. Learners relabel
 * every sampled batch with the CURRENT reward model (the true reward is read by the oracle
 * only), so an outer iteration's reward change reaches all of the replay at once.
 */
export interface ContinuousBatch {
  size: number;
  obsSize: number;
  actionSize: number;
  /** [size, obsSize] */
  obs: Float32Array;
  /** [size, actionSize], normalised. */
  actions: Float32Array;
  nextObs: Float32Array;
  /** 1 where the transition reached a terminal state (no bootstrap); a time-limit cut is 0. */
  done: Float32Array;
  trueRewards: Float32Array;
}

export class ContinuousReplay {
  private readonly obs: Float32Array;
  private readonly actions: Float32Array;
  private readonly nextObs: Float32Array;
  private readonly done: Float32Array;
  private readonly rewards: Float32Array;
  private count = 0;
  private head = 0;

  constructor(readonly capacity: number, readonly obsSize: number, readonly actionSize: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new Error(`replay capacity must be a positive integer, got ${capacity}`);
    this.obs = new Float32Array(capacity * obsSize);
    this.nextObs = new Float32Array(capacity * obsSize);
    this.actions = new Float32Array(capacity * actionSize);
    this.done = new Float32Array(capacity);
    this.rewards = new Float32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(obs: ArrayLike<number>, normalisedAction: ArrayLike<number>, nextObs: ArrayLike<number>, terminal: boolean, trueReward: number): void {
    const i = this.head, O = this.obsSize, A = this.actionSize;
    for (let j = 0; j < O; j++) {
      this.obs[i * O + j] = obs[j]!;
      this.nextObs[i * O + j] = nextObs[j]!;
    }
    for (let j = 0; j < A; j++) this.actions[i * A + j] = normalisedAction[j]!;
    this.done[i] = terminal ? 1 : 0;
    this.rewards[i] = trueReward;
    this.head = (i + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** `size` transitions drawn uniformly with replacement. */
  sample(size: number, rng: Rng): ContinuousBatch {
    if (this.count === 0) throw new Error('replay: sample from an empty buffer');
    const O = this.obsSize, A = this.actionSize;
    const b: ContinuousBatch = {
      size, obsSize: O, actionSize: A, obs: new Float32Array(size * O), actions: new Float32Array(size * A),
      nextObs: new Float32Array(size * O), done: new Float32Array(size), trueRewards: new Float32Array(size),
    };
    for (let n = 0; n < size; n++) {
      const i = rng.int(this.count);
      b.obs.set(this.obs.subarray(i * O, (i + 1) * O), n * O);
      b.nextObs.set(this.nextObs.subarray(i * O, (i + 1) * O), n * O);
      b.actions.set(this.actions.subarray(i * A, (i + 1) * A), n * A);
      b.done[n] = this.done[i]!;
      b.trueRewards[n] = this.rewards[i]!;
    }
    return b;
  }
}

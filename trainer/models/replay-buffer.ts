import type { Rng } from '../core/rng';

/**
 * Transitions for soft Q-learning, WITHOUT rewards: the reward r_x(s, a) is a function the upper
 * level keeps changing, so every update relabels its sampled batch with the current r_x
 * (docs/algorithms.md, "The lower level beyond tables"). A stored reward would be stale truth.
 *
 * `done` means "do not bootstrap from nextObs": set it for a terminal state only. An episode cut
 * by a time limit is not terminal (store done = false) or the value of the cut state is wrong.
 */
export interface TransitionBatch {
  /** B, the number of transitions. */
  readonly size: number;
  readonly obsSize: number;
  /** [B * obsSize], row-major. */
  readonly obs: Float32Array;
  /** [B]. */
  readonly actions: Int32Array;
  /** [B * obsSize], row-major. */
  readonly nextObs: Float32Array;
  /** [B]: 1 where the transition ended in a terminal state, else 0. */
  readonly done: Float32Array;
}

/** Fixed-capacity ring: when full, each new transition overwrites the oldest. */
export class ReplayBuffer {
  readonly capacity: number;
  readonly obsSize: number;
  private readonly obs: Float32Array;
  private readonly nextObs: Float32Array;
  private readonly actions: Int32Array;
  private readonly done: Float32Array;
  private count = 0;
  private head = 0; // where the next transition goes

  constructor(capacity: number, obsSize: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`replay buffer: capacity must be a positive integer, got ${capacity}`);
    if (!Number.isInteger(obsSize) || obsSize < 1) throw new Error(`replay buffer: obsSize must be a positive integer, got ${obsSize}`);
    this.capacity = capacity;
    this.obsSize = obsSize;
    this.obs = new Float32Array(capacity * obsSize);
    this.nextObs = new Float32Array(capacity * obsSize);
    this.actions = new Int32Array(capacity);
    this.done = new Float32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(obs: ArrayLike<number>, action: number, nextObs: ArrayLike<number>, done: boolean): void {
    if (obs.length !== this.obsSize || nextObs.length !== this.obsSize) {
      throw new Error(`replay buffer: observations must have ${this.obsSize} values, got ${obs.length} and ${nextObs.length}`);
    }
    if (!Number.isInteger(action) || action < 0) throw new Error(`replay buffer: action must be a non-negative integer, got ${action}`);
    const i = this.head;
    this.obs.set(obs, i * this.obsSize);
    this.nextObs.set(nextObs, i * this.obsSize);
    this.actions[i] = action;
    this.done[i] = done ? 1 : 0;
    this.head = (this.head + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** B transitions drawn uniformly with replacement (copies: the batch survives later adds). */
  sample(batchSize: number, rng: Rng): TransitionBatch {
    if (this.count === 0) throw new Error('replay buffer: cannot sample from an empty buffer');
    const d = this.obsSize;
    const batch = {
      size: batchSize,
      obsSize: d,
      obs: new Float32Array(batchSize * d),
      actions: new Int32Array(batchSize),
      nextObs: new Float32Array(batchSize * d),
      done: new Float32Array(batchSize),
    };
    for (let b = 0; b < batchSize; b++) {
      const i = rng.int(this.count);
      batch.obs.set(this.obs.subarray(i * d, (i + 1) * d), b * d);
      batch.nextObs.set(this.nextObs.subarray(i * d, (i + 1) * d), b * d);
      batch.actions[b] = this.actions[i]!;
      batch.done[b] = this.done[i]!;
    }
    return batch;
  }

  clear(): void {
    this.count = 0;
    this.head = 0;
  }
}

/**
 * The learned reward r_x(s, a) of continuous envs: an MLP over (observation, normalised action)
 * (action-box.ts) on the dense-MLP kernel, with Adam and decoupled weight decay on its kernels
 * (as trainer/models/reward-model.ts does for discrete actions). Labelled clips are packed once
 * into fixed-length rows; the upper levels ask for the Bradley-Terry loss's gradient and for the
 * gradient of a weighted sum of rewards (the exploration surrogate), both in closed form here.
 */
import { makeRng } from '../../core/rng';
import type { AnyContinuousEnv } from '../../envs/types';
import { toNormalisedAction } from './action-box';
import { DenseNet } from './dense-net';
import type { ContinuousLabeledPair, ContinuousSegment } from './experience';

export interface ContinuousRewardConfig {
  obsSize: number;
  actionSize: number;
  hiddenSizes: number[];
  learningRate: number;
  /** Decoupled weight decay on the kernels per step, scaled by learningRate (AdamW); 0 = off. */
  weightDecay: number;
  seed: number;
}

/** M clips of padded length H: obs [M * H * O], normalised actions [M * H * A], mask [M * H]. */
export interface ContinuousSegmentBatch {
  count: number;
  length: number;
  obs: Float32Array;
  actions: Float32Array;
  mask: Float32Array;
}

export interface ContinuousPairBatch {
  first: ContinuousSegmentBatch;
  second: ContinuousSegmentBatch;
  /** [M] P(first preferred). */
  y: Float32Array;
  count: number;
}

export function packSegments(env: AnyContinuousEnv, segments: readonly ContinuousSegment[], horizon: number): ContinuousSegmentBatch {
  const O = env.observationSize, A = env.actionSpace.low.length, H = horizon, M = segments.length;
  const obs = new Float32Array(M * H * O), actions = new Float32Array(M * H * A), mask = new Float32Array(M * H);
  segments.forEach((seg, m) => {
    if (seg.actions.length > H) throw new Error(`reward model: a clip of ${seg.actions.length} steps does not fit the padded length ${H}`);
    seg.actions.forEach((a, h) => {
      obs.set(env.observe(seg.states[h]), (m * H + h) * O);
      toNormalisedAction(env.actionSpace, a, actions, (m * H + h) * A);
      mask[m * H + h] = 1;
    });
  });
  return { count: M, length: H, obs, actions, mask };
}

export function packContinuousPairs(env: AnyContinuousEnv, pairs: readonly ContinuousLabeledPair[], horizon: number): ContinuousPairBatch {
  return {
    first: packSegments(env, pairs.map((p) => p.first), horizon),
    second: packSegments(env, pairs.map((p) => p.second), horizon),
    y: Float32Array.from(pairs.map((p) => p.y)),
    count: pairs.length,
  };
}

/** Rows `indices` of a packed pair batch (mini-batches without re-observing states). */
export function subPairBatch(batch: ContinuousPairBatch, indices: readonly number[]): ContinuousPairBatch {
  const pick = (b: ContinuousSegmentBatch): ContinuousSegmentBatch => {
    const H = b.length, O = b.obs.length / Math.max(b.count * H, 1), A = b.actions.length / Math.max(b.count * H, 1);
    const obs = new Float32Array(indices.length * H * O), actions = new Float32Array(indices.length * H * A), mask = new Float32Array(indices.length * H);
    indices.forEach((m, i) => {
      obs.set(b.obs.subarray(m * H * O, (m + 1) * H * O), i * H * O);
      actions.set(b.actions.subarray(m * H * A, (m + 1) * H * A), i * H * A);
      mask.set(b.mask.subarray(m * H, (m + 1) * H), i * H);
    });
    return { count: indices.length, length: H, obs, actions, mask };
  };
  return { first: pick(batch.first), second: pick(batch.second), y: Float32Array.from(indices, (m) => batch.y[m]!), count: indices.length };
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** Bradley-Terry loss of one pair, stable form: -[y log sig(d) + (1 - y) log sig(-d)] = softplus(-d) + (1 - y) d. */
export function bradleyTerry(delta: number, y: number): number {
  return softplus(-delta) + (1 - y) * delta;
}

export class ContinuousRewardModel {
  readonly net: DenseNet;

  constructor(readonly config: ContinuousRewardConfig) {
    this.net = new DenseNet([config.obsSize + config.actionSize, ...config.hiddenSizes, 1], makeRng(config.seed * 101 + 3), config.learningRate);
  }

  private inputs(obs: Float32Array, actions: Float32Array, rows: number): Float32Array {
    const O = this.config.obsSize, A = this.config.actionSize;
    const out = new Float32Array(rows * (O + A));
    for (let r = 0; r < rows; r++) {
      out.set(obs.subarray(r * O, (r + 1) * O), r * (O + A));
      out.set(actions.subarray(r * A, (r + 1) * A), r * (O + A) + O);
    }
    return out;
  }

  /** r_x for `rows` (observation, normalised action) rows. */
  rewards(obs: Float32Array, actions: Float32Array, rows: number): Float32Array {
    return this.net.forward(this.inputs(obs, actions, rows), rows);
  }

  /** Sum of r_x over each clip's unmasked steps. */
  segmentReturns(b: ContinuousSegmentBatch): Float64Array {
    const r = this.rewards(b.obs, b.actions, b.count * b.length);
    const out = new Float64Array(b.count);
    for (let m = 0; m < b.count; m++) for (let h = 0; h < b.length; h++) out[m] = out[m]! + b.mask[m * b.length + h]! * r[m * b.length + h]!;
    return out;
  }

  /** Per-pair Bradley-Terry losses at the current weights. */
  pairLosses(batch: ContinuousPairBatch): Float64Array {
    const r1 = this.segmentReturns(batch.first), r2 = this.segmentReturns(batch.second);
    return Float64Array.from(batch.y, (y, m) => bradleyTerry(r1[m]! - r2[m]!, y));
  }

  meanPairLoss(batch: ContinuousPairBatch): number {
    const l = this.pairLosses(batch);
    return l.reduce((s, v) => s + v, 0) / Math.max(l.length, 1);
  }

  /**
   * Value and gradient of mean_m BT(R1_m - R2_m, y_m) + rewardL2 * sum_steps r^2 / steps
   * (the reward-scale penalty of trainer/algorithms/neural/neural-rlhf.ts exploitationLoss):
   * dL/dr at a step of clip m = +-(sigmoid(Delta_m) - y_m) / M + 2 rewardL2 r / steps.
   */
  exploitationGradient(batch: ContinuousPairBatch, rewardL2: number): { value: number; grad: Float32Array } {
    const { first, second, count: M } = batch;
    const H = first.length, rows = 2 * M * H;
    const obs = new Float32Array(rows * this.config.obsSize), actions = new Float32Array(rows * this.config.actionSize);
    obs.set(first.obs);
    obs.set(second.obs, first.obs.length);
    actions.set(first.actions);
    actions.set(second.actions, first.actions.length);
    const mask = new Float32Array(rows);
    mask.set(first.mask);
    mask.set(second.mask, M * H);
    const r = this.net.forward(this.inputs(obs, actions, rows), rows);
    let steps = 0;
    for (const v of mask) steps += v;
    steps = Math.max(steps, 1);
    const dOut = new Float32Array(rows);
    let value = 0, penalty = 0;
    for (let m = 0; m < M; m++) {
      let R1 = 0, R2 = 0;
      for (let h = 0; h < H; h++) {
        R1 += mask[m * H + h]! * r[m * H + h]!;
        R2 += mask[(M + m) * H + h]! * r[(M + m) * H + h]!;
      }
      const delta = R1 - R2, y = batch.y[m]!;
      value += bradleyTerry(delta, y) / M;
      const g = (1 / (1 + Math.exp(-delta)) - y) / M;
      for (let h = 0; h < H; h++) {
        dOut[m * H + h] = mask[m * H + h]! * g;
        dOut[(M + m) * H + h] = -mask[(M + m) * H + h]! * g;
      }
    }
    if (rewardL2 > 0) {
      for (let i = 0; i < rows; i++) {
        penalty += (mask[i]! * r[i]! * r[i]!) / steps;
        dOut[i] = dOut[i]! + (mask[i]! * 2 * rewardL2 * r[i]!) / steps;
      }
    }
    this.net.backward(dOut);
    return { value: value + rewardL2 * penalty, grad: this.net.grad().slice() };
  }

  /** Gradient of sum_i w_i r_x(o_i, a_i) (the exploration surrogate's). */
  linearGradient(obs: Float32Array, actions: Float32Array, weights: Float32Array, rows: number): Float32Array {
    this.net.forward(this.inputs(obs, actions, rows), rows);
    this.net.backward(weights.subarray(0, rows));
    return this.net.grad().slice();
  }

  /** One Adam step with `grad`, then the decoupled weight decay on the kernels. */
  applyGradient(grad: Float32Array): void {
    this.net.step(grad);
    this.decay();
  }

  /** A plain step w <- w - lr * direction (Stoc-SoBiRL's momentum steps; no Adam), then the decay. */
  applyPlainStep(direction: Float32Array, lr: number): void {
    const p = this.net.params();
    for (let i = 0; i < p.length; i++) p[i] = p[i]! - lr * direction[i]!;
    this.decay();
  }

  private decay(): void {
    const { weightDecay, learningRate } = this.config;
    if (!(weightDecay > 0)) return;
    const p = this.net.params(), { layout } = this.net;
    const keep = 1 - learningRate * weightDecay;
    for (let l = 0; l < layout.layerCount; l++) {
      const at = layout.kernelAt[l]!, n = layout.sizes[l]! * layout.sizes[l + 1]!;
      for (let i = at; i < at + n; i++) p[i] = p[i]! * keep;
    }
  }
}

import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng';
import type { Env } from '../../envs/types';
import { meanLossBaseline } from '../../preference/baseline';
import { bradleyTerryLoss } from '../../preference/bradley-terry';
import type { LabeledPair, Segment } from '../../preference/types';
import { bradleyTerryLoss as bradleyTerryTensorLoss, type RewardModel } from '../../models/reward-model';
import { makeSegmentBatch, type SegmentBatch } from '../../models/segment-batch';
import type { ExplorationRows } from './exploration-rows';

/**
 * The tensor pieces every neural RLHF algorithm shares: labelled pairs packed for the reward
 * model, the exploitation half E[grad_x l] (what DRLHF also uses), the exploration surrogate of
 * SoBiRL, and gradient bookkeeping (named maps keyed by tfjs variable name, as
 * `tf.variableGrads` returns them).
 *
 * Termination and the reward's sign (cartpole): a clip that ends early has fewer steps, so its
 * predicted return sum_h r_x has fewer terms. The teacher prefers the longer clip (one true +1
 * per step), and Bradley-Terry can only express that with r_x > 0 on the states visited: a
 * learned POSITIVE reward means "survive", and the soft Q target, which does not bootstrap
 * through a terminal state, turns it into balancing. Centring or standardising r_x per batch
 * would remove exactly that signal, so the reward is used raw (weight decay bounds its scale).
 */

/** A batch of labelled pairs, packed once (segments are fixed; only r_x changes). */
export interface PairBatch {
  first: SegmentBatch;
  second: SegmentBatch;
  /** [M] P(first preferred). */
  y: Float32Array;
  count: number;
}

function segmentSteps<S>(env: Env<S>, seg: Segment<S>) {
  return { observations: seg.actions.map((_, h) => env.observe(seg.states[h]!)), actions: seg.actions };
}

/** Packs pairs with a common padded length `horizon` (shorter clips are masked). */
export function packPairs<S>(env: Env<S>, pairs: readonly LabeledPair<S>[], horizon: number): PairBatch {
  return {
    first: makeSegmentBatch(pairs.map((p) => segmentSteps(env, p.first)), env.observationSize, horizon),
    second: makeSegmentBatch(pairs.map((p) => segmentSteps(env, p.second)), env.observationSize, horizon),
    y: Float32Array.from(pairs.map((p) => p.y)),
    count: pairs.length,
  };
}

/** Rows `indices` of a packed batch (mini-batches without re-observing states). */
export function subBatch(batch: PairBatch, indices: readonly number[]): PairBatch {
  const pick = (b: SegmentBatch): SegmentBatch => {
    const H = b.length, O = b.obsSize;
    const obs = new Float32Array(indices.length * H * O), actions = new Int32Array(indices.length * H), mask = new Float32Array(indices.length * H);
    indices.forEach((m, i) => {
      obs.set(b.obs.subarray(m * H * O, (m + 1) * H * O), i * H * O);
      actions.set(b.actions.subarray(m * H, (m + 1) * H), i * H);
      mask.set(b.mask.subarray(m * H, (m + 1) * H), i * H);
    });
    return { count: indices.length, length: H, obsSize: O, obs, actions, mask };
  };
  return { first: pick(batch.first), second: pick(batch.second), y: Float32Array.from(indices, (m) => batch.y[m]!), count: indices.length };
}

/** Concatenation of two packed batches with the same padded length. */
export function concatBatches(a: PairBatch, b: PairBatch): PairBatch {
  const cat = (x: SegmentBatch, z: SegmentBatch): SegmentBatch => {
    if (x.length !== z.length || x.obsSize !== z.obsSize) throw new Error('concatBatches: different padded lengths');
    const join = <T extends Float32Array | Int32Array>(p: T, q: T, make: (n: number) => T): T => {
      const out = make(p.length + q.length);
      out.set(p);
      out.set(q, p.length);
      return out;
    };
    return {
      count: x.count + z.count, length: x.length, obsSize: x.obsSize,
      obs: join(x.obs, z.obs, (n) => new Float32Array(n)),
      actions: join(x.actions, z.actions, (n) => new Int32Array(n)),
      mask: join(x.mask, z.mask, (n) => new Float32Array(n)),
    };
  };
  const y = new Float32Array(a.count + b.count);
  y.set(a.y);
  y.set(b.y, a.count);
  return { first: cat(a.first, b.first), second: cat(a.second, b.second), y, count: a.count + b.count };
}

/** `size` indices drawn uniformly with replacement (all of them, in order, when size >= n). */
export function miniBatchIndices(n: number, size: number, rng: Rng): number[] {
  if (n <= size) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: size }, () => rng.int(n));
}

/** Per-pair Bradley-Terry losses at the current weights (no gradient). */
export function pairLosses(model: RewardModel, batch: PairBatch): Float64Array {
  const r1 = model.predictSegmentReturns(batch.first), r2 = model.predictSegmentReturns(batch.second);
  return Float64Array.from(batch.y, (y, m) => bradleyTerryLoss(r1[m]! - r2[m]!, y));
}

/** Mean Bradley-Terry loss over a batch (metrics). */
export function meanPairLoss(model: RewardModel, batch: PairBatch): number {
  const losses = pairLosses(model, batch);
  return losses.reduce((s, v) => s + v, 0) / Math.max(losses.length, 1);
}

function stepRewards(model: RewardModel, b: SegmentBatch): tf.Tensor1D {
  return model.rewards(tf.tensor2d(b.obs, [b.count * b.length, b.obsSize]), b.actions);
}

/**
 * Exploitation half: the mean Bradley-Terry loss (differentiable in x), plus
 * `rewardL2` * mean_steps r_x(s, a)^2. Why the penalty: labels that are nearly deterministic
 * (a clip that falls against one that does not) let Bradley-Terry lower its loss forever by
 * scaling r_x up; soft Q-values ~ r / (1 - gamma) then grow faster than the lower level can
 * follow and the policy degrades. The penalty fixes the scale without centring r_x (a positive
 * constant still survives it: it is what the labels ask for).
 */
export function exploitationLoss(model: RewardModel, batch: PairBatch, rewardL2 = 0): tf.Scalar {
  return tf.tidy(() => {
    const H = batch.first.length;
    const r1 = tf.mul(stepRewards(model, batch.first), batch.first.mask);
    const r2 = tf.mul(stepRewards(model, batch.second), batch.second.mask);
    const R1 = tf.sum(tf.reshape(r1, [batch.count, H]), 1);
    const R2 = tf.sum(tf.reshape(r2, [batch.count, H]), 1);
    const bt = bradleyTerryTensorLoss(R1, R2, batch.y);
    if (!(rewardL2 > 0)) return bt;
    let steps = 0;
    for (const m of [batch.first.mask, batch.second.mask]) for (const v of m) steps += v;
    const penalty = tf.div(tf.add(tf.sum(tf.square(r1)), tf.sum(tf.square(r2))), Math.max(steps, 1));
    return tf.add(bt, tf.mul(penalty, rewardL2)) as tf.Scalar;
  });
}

/**
 * Exploration half as a surrogate whose gradient is the estimator's:
 *   tau^-1 * mean_m[ (l_m - b) * score_m(x) ],  score_m = sum over rows of pair m of w * r_x(o, a)
 * `coef[m]` = (l_m - b) / (tau * M) is computed outside (stop-gradient by construction).
 */
export function explorationSurrogate(model: RewardModel, rows: ExplorationRows, coef: Float64Array): tf.Scalar {
  return tf.tidy(() => {
    if (rows.count === 0) return tf.scalar(0);
    const w = Float32Array.from(rows.weights, (v, i) => v * coef[rows.pair[i]!]!);
    const r = model.rewards(tf.tensor2d(rows.obs, [rows.count, rows.obs.length / rows.count]), rows.actions);
    return tf.sum(tf.mul(r, tf.tensor1d(w))) as tf.Scalar;
  });
}

/** coef[m] = (l_m - b_m) / (tau * M), b_m = the mean loss of the other pairs when `baseline` (preference/baseline.ts). */
export function explorationCoefficients(losses: Float64Array, tau: number, baseline: boolean): Float64Array {
  const M = losses.length;
  const { b, scale } = meanLossBaseline(Array.from(losses), baseline);
  return Float64Array.from(losses, (l) => (scale * (l - b)) / (tau * Math.max(M, 1)));
}

/**
 * Gradients of the reward model: keyed by tfjs variable name (tfjs, for `vars`, an explicit
 * varList of the reward weights only), or one flat member-concatenated vector when the model
 * runs on the JS kernel (trainer/models/kernels/). `RewardModel.applyGradients` takes either.
 */
export type Grads = tf.NamedTensorMap | Float32Array;

export function gradsOf(loss: () => tf.Scalar, vars: tf.Variable[]): { value: number; grads: tf.NamedTensorMap } {
  const { value, grads } = tf.variableGrads(loss, vars);
  const v = value.dataSync()[0]!;
  value.dispose();
  return { value: v, grads };
}

/** Value and gradient of `exploitationLoss`, on the model's kernel. */
export function exploitationGrads(model: RewardModel, batch: PairBatch, rewardL2 = 0): { value: number; grads: Grads } {
  if (model.kernel === 'js') {
    const { value, grad } = model.exploitationGradient(batch.first, batch.second, batch.y, rewardL2);
    return { value, grads: grad };
  }
  return gradsOf(() => exploitationLoss(model, batch, rewardL2), model.variables());
}

/** Gradient of `explorationSurrogate`, on the model's kernel. */
export function explorationGrads(model: RewardModel, rows: ExplorationRows, coef: Float64Array): Grads {
  if (model.kernel === 'js') {
    const w = Float32Array.from(rows.weights, (v, i) => v * coef[rows.pair[i]!]!);
    return model.linearGradient(rows.obs.subarray(0, rows.count * model.config.obsSize), rows.actions.subarray(0, rows.count), w.subarray(0, rows.count));
  }
  return gradsOf(() => explorationSurrogate(model, rows, coef), model.variables()).grads;
}

/** a + scale * b, key by key (new values; inputs untouched). */
export function addScaled(a: tf.NamedTensorMap, b: tf.NamedTensorMap, scale: number): tf.NamedTensorMap;
export function addScaled(a: Grads, b: Grads, scale: number): Grads;
export function addScaled(a: Grads, b: Grads, scale: number): Grads {
  if (a instanceof Float32Array || b instanceof Float32Array) {
    if (!(a instanceof Float32Array && b instanceof Float32Array) || a.length !== b.length) throw new Error('addScaled: gradients of different forms');
    return Float32Array.from(a, (v, i) => v + scale * b[i]!);
  }
  const out: tf.NamedTensorMap = {};
  for (const name of Object.keys(a)) {
    out[name] = tf.tidy(() => tf.add(a[name]!, tf.mul(b[name]!, scale)));
  }
  return out;
}

export function globalNorm(grads: Grads): number {
  if (grads instanceof Float32Array) {
    let sum = 0;
    for (let i = 0; i < grads.length; i++) sum += grads[i]! * grads[i]!;
    return Math.sqrt(sum);
  }
  const t = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))));
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
}

export function disposeGrads(...maps: Grads[]): void {
  for (const m of maps) if (!(m instanceof Float32Array)) tf.dispose(Object.values(m));
}

/** Copies of the variables' current values (kept outside any tidy). */
export function snapshot(vars: tf.Variable[]): tf.Tensor[] {
  return vars.map((v) => tf.keep(v.clone()));
}

export function restore(vars: tf.Variable[], values: readonly tf.Tensor[]): void {
  vars.forEach((v, i) => v.assign(values[i]!));
}

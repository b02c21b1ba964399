import * as tf from '@tensorflow/tfjs';
import { makeRng } from '../core/rng';
import { RewardKernel } from './kernels/reward-kernel';
import { chooseKernel, type KernelName } from './kernels/select';
import { Mlp, type Activation, type NamedWeight } from './mlp';
import type { SegmentBatch } from './segment-batch';

/**
 * The neural reward model r_x(s, a) of the upper level (x = its weights): an MLP from the
 * observation to one output per action, so r(s, .) comes from one pass and
 * sum_a pi(a|s) r(s, a) (the G_V terms of the SoBiRL surrogate) is cheap. Optionally an ensemble
 * of K independently initialised members: their mean is the reward, their spread the
 * disagreement that query selection uses.
 */
export interface RewardModelConfig {
  /** Length of the observation vector fed to the network. */
  obsSize: number;
  /** Number of discrete actions (outputs per observation). */
  numActions: number;
  /** Widths of the hidden layers. */
  hiddenSizes: number[];
  /** Hidden-layer nonlinearity (the output layer is linear). */
  activation: Activation;
  /** Adam step size (the authors' code: AdamW 3e-4). */
  learningRate: number;
  /** Decoupled (AdamW-style) weight decay on kernels per step, scaled by learningRate; 0 = off. */
  weightDecay: number;
  /** K, the ensemble size (1 = a single network). */
  ensembleSize: number;
  /** Seeds the members' initial weights (member k gets its own stream). */
  seed: number;
}

export const DEFAULT_REWARD_MODEL_CONFIG = {
  hiddenSizes: [64, 64],
  activation: 'relu',
  learningRate: 3e-4,
  weightDecay: 0,
  ensembleSize: 1,
  seed: 0,
} as const satisfies Omit<RewardModelConfig, 'obsSize' | 'numActions'>;

/** Fills defaults and validates; the result is what the model and its checkpoints record. */
export function makeRewardModelConfig(
  partial: Pick<RewardModelConfig, 'obsSize' | 'numActions'> & Partial<RewardModelConfig>,
): RewardModelConfig {
  const config: RewardModelConfig = { ...DEFAULT_REWARD_MODEL_CONFIG, ...partial, hiddenSizes: [...(partial.hiddenSizes ?? DEFAULT_REWARD_MODEL_CONFIG.hiddenSizes)] };
  const positiveInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new Error(`reward model: ${name} must be a positive integer, got ${v}`);
  };
  positiveInt('obsSize', config.obsSize);
  positiveInt('numActions', config.numActions);
  positiveInt('ensembleSize', config.ensembleSize);
  config.hiddenSizes.forEach((h, i) => positiveInt(`hiddenSizes[${i}]`, h));
  if (!(config.learningRate > 0)) throw new Error(`reward model: learningRate must be > 0, got ${config.learningRate}`);
  if (!(config.weightDecay >= 0)) throw new Error(`reward model: weightDecay must be >= 0, got ${config.weightDecay}`);
  if (!['relu', 'tanh', 'elu'].includes(config.activation)) throw new Error(`reward model: unknown activation '${config.activation}'`);
  return config;
}

/** Actions as a tensor or plain integers. */
export type ActionsLike = tf.Tensor1D | Int32Array | readonly number[];

/**
 * Bradley-Terry loss, mean over pairs, in its stable form. With delta = R(d1) - R(d2) and
 * y = P(d1 preferred) in {1, 0, 0.5}:
 *   l = -[y log sig(delta) + (1 - y) log sig(-delta)]
 *     = softplus(-delta) + (1 - y) * delta        (since log sig(-delta) = log sig(delta) - delta)
 * softplus is evaluated stably by tfjs, so no clipping of delta is needed; dl/ddelta = sig(delta) - y.
 * Shapes: returnsFirst and returnsSecond [M] (or [K, M] for per-member returns), y [M] (broadcast).
 */
export function bradleyTerryLoss(returnsFirst: tf.Tensor, returnsSecond: tf.Tensor, y: tf.Tensor1D | ArrayLike<number>): tf.Scalar {
  return tf.tidy(() => {
    const delta = tf.sub(returnsFirst, returnsSecond);
    const labels = y instanceof tf.Tensor ? y : tf.tensor1d(Array.from(y), 'float32');
    const perPair = tf.add(tf.softplus(tf.neg(delta)), tf.mul(tf.sub(1, labels), delta));
    return tf.mean(perPair) as tf.Scalar;
  });
}

/** How the model computes; `kernel` absent = `chooseKernel` (SOBIRL_KERNEL, else automatic). */
export interface RewardModelOptions {
  kernel?: KernelName | 'auto';
}

export class RewardModel {
  readonly kind = 'reward-model' as const;
  readonly config: RewardModelConfig;
  /**
   * What evaluates r without a gradient (relabelling, segment returns, disagreement) and runs
   * `preferenceStep`: the JS kernel or tfjs. Gradients of arbitrary losses (the algorithms'
   * surrogates, `update`, `applyGradients`) are always tfjs'; the weights live in tf.Variables.
   */
  readonly kernel: KernelName;
  private readonly members: readonly Mlp[];
  private readonly optimizer: tf.AdamOptimizer;
  private readonly ownVariableNames: ReadonlySet<string>;
  private readonly fast: RewardKernel | null;

  constructor(config: RewardModelConfig, options: RewardModelOptions = {}) {
    this.config = makeRewardModelConfig(config);
    const rng = makeRng(this.config.seed);
    const sizes = [this.config.obsSize, ...this.config.hiddenSizes, this.config.numActions];
    this.members = Array.from({ length: this.config.ensembleSize }, (_, k) => new Mlp(sizes, this.config.activation, rng.fork(), true, `reward/m${k}`));
    this.optimizer = tf.train.adam(this.config.learningRate);
    this.ownVariableNames = new Set(this.members.flatMap((m) => m.variables()).map((v) => v.name));
    this.kernel = chooseKernel(sizes, options.kernel);
    this.fast = this.kernel === 'js' ? new RewardKernel({ ...this.config, sizes }, this.members.map((m) => m.variables())) : null;
  }

  get ensembleSize(): number {
    return this.members.length;
  }

  /** The upper-level variables x: pass these as the explicit varList of every reward gradient. */
  variables(): tf.Variable[] {
    this.fast?.flush();
    return this.members.flatMap((m) => m.variables());
  }

  /** Weights with stable logical names `m{k}/l{i}/kernel|bias` (for checkpoints). */
  namedWeights(): NamedWeight[] {
    this.fast?.flush();
    return this.members.flatMap((m, k) => m.namedWeights().map((w) => ({ name: `m${k}/${w.name}`, variable: w.variable })));
  }

  /** obs [N, obsSize] -> [K, N, A]: every member's r(s, .). Differentiable. */
  memberRewardsAllActions(obs: tf.Tensor2D): tf.Tensor3D {
    this.checkObs(obs);
    this.fast?.flush();
    return tf.tidy(() => tf.stack(this.members.map((m) => m.apply(obs))) as tf.Tensor3D);
  }

  /** obs [N, obsSize] -> [N, A]: r(s, .), the ensemble mean. Differentiable. */
  rewardsAllActions(obs: tf.Tensor2D): tf.Tensor2D {
    this.checkObs(obs);
    this.fast?.flush();
    if (this.members.length === 1) return this.members[0]!.apply(obs);
    return tf.tidy(() => tf.mean(this.memberRewardsAllActions(obs), 0) as tf.Tensor2D);
  }

  /** obs [N, obsSize], actions [N] -> [N]: r(s_n, a_n) (ensemble mean). Differentiable. */
  rewards(obs: tf.Tensor2D, actions: ActionsLike): tf.Tensor1D {
    return tf.tidy(() => pickActions(this.rewardsAllActions(obs), actions, this.config.numActions));
  }

  /** obs [N, obsSize], actions [N] -> [K, N]: each member's r(s_n, a_n). Differentiable. */
  memberRewards(obs: tf.Tensor2D, actions: ActionsLike): tf.Tensor2D {
    return tf.tidy(() => {
      const all = this.memberRewardsAllActions(obs); // [K, N, A]
      const oneHot = actionOneHot(actions, this.config.numActions, obs.shape[0]); // [N, A]
      return tf.sum(tf.mul(all, oneHot), 2) as tf.Tensor2D;
    });
  }

  /** Segment returns R(d_m) = sum_h mask * r(s_h, a_h) -> [M] (ensemble mean). Differentiable. */
  segmentReturns(batch: SegmentBatch): tf.Tensor1D {
    this.checkBatch(batch);
    return tf.tidy(() => {
      const perStep = this.rewards(batchObs(batch), batch.actions); // [M * H]
      return tf.sum(tf.reshape(tf.mul(perStep, batch.mask), [batch.count, batch.length]), 1) as tf.Tensor1D;
    });
  }

  /** Each member's segment returns -> [K, M]. Differentiable. */
  memberSegmentReturns(batch: SegmentBatch): tf.Tensor2D {
    this.checkBatch(batch);
    return tf.tidy(() => {
      const perStep = this.memberRewards(batchObs(batch), batch.actions); // [K, M * H]
      const masked = tf.mul(perStep, tf.tensor1d(batch.mask));
      return tf.sum(tf.reshape(masked, [this.members.length, batch.count, batch.length]), 2) as tf.Tensor2D;
    });
  }

  /** Plain-array convenience, no gradient: R(d_m) for each segment -> Float32Array [M]. */
  predictSegmentReturns(batch: SegmentBatch): Float32Array {
    if (this.fast) {
      this.checkBatch(batch);
      const members = this.fast.memberSegmentReturns(batch);
      return Float32Array.from(members[0]!, (_, m) => members.reduce((s, r) => s + r[m]!, 0) / members.length);
    }
    const t = this.segmentReturns(batch);
    try {
      return t.dataSync() as Float32Array;
    } finally {
      t.dispose();
    }
  }

  /**
   * Plain-array convenience, no gradient: r(s_n, a_n) for obs [N * obsSize] (row-major) and
   * actions [N] -> Float32Array [N]. This is the shape `SoftQLearner` relabels replay with.
   */
  predictRewards(obs: Float32Array, actions: Int32Array): Float32Array {
    const n = actions.length;
    if (obs.length !== n * this.config.obsSize) throw new Error(`predictRewards: obs has ${obs.length} values, expected ${n} x ${this.config.obsSize}`);
    if (this.fast) return this.fast.rewards(obs, actions, n);
    const t = tf.tidy(() => this.rewards(tf.tensor2d(obs, [n, this.config.obsSize]), actions));
    try {
      return t.dataSync() as Float32Array;
    } finally {
      t.dispose();
    }
  }

  /** Member disagreement on each segment: std over members of R(d_m) -> [M] (0 when K = 1). */
  segmentReturnStd(batch: SegmentBatch): Float32Array {
    if (this.fast) {
      this.checkBatch(batch);
      const members = this.fast.memberSegmentReturns(batch), K = members.length;
      return Float32Array.from(members[0]!, (_, m) => {
        const mean = members.reduce((s, r) => s + r[m]!, 0) / K;
        return Math.sqrt(members.reduce((s, r) => s + (r[m]! - mean) ** 2, 0) / K);
      });
    }
    const t = tf.tidy(() => {
      const { variance } = tf.moments(this.memberSegmentReturns(batch), 0);
      return tf.sqrt(variance);
    });
    try {
      return t.dataSync() as Float32Array;
    } finally {
      t.dispose();
    }
  }

  /**
   * Preference loss over labelled pairs (first[m], second[m], y[m]): each member's mean
   * Bradley-Terry loss on its own returns, averaged over members. Members are fitted
   * independently (Christiano et al. 2017), which keeps their disagreement meaningful; with
   * K = 1 it is the plain BT loss of the model's returns.
   */
  preferenceLoss(first: SegmentBatch, second: SegmentBatch, y: tf.Tensor1D | ArrayLike<number>): tf.Scalar {
    if (first.count !== second.count) throw new Error(`preferenceLoss: ${first.count} first segments but ${second.count} second ones`);
    const labelCount = y instanceof tf.Tensor ? y.shape[0] : y.length;
    if (labelCount !== first.count) throw new Error(`preferenceLoss: ${labelCount} labels for ${first.count} pairs`);
    return tf.tidy(() => bradleyTerryLoss(this.memberSegmentReturns(first), this.memberSegmentReturns(second), y));
  }

  /**
   * One Adam step, then decoupled weight decay on the kernels. `grads` is either keyed by tfjs
   * variable name (what `tf.variableGrads(f, model.variables())` returns; the caller keeps
   * ownership) or, on the JS kernel, a flat member-concatenated vector (what
   * `exploitationGradient` / `linearGradient` return). Rejects gradients of variables that are
   * not this model's: an upper-level step must never move the Q network. Each form has its own
   * Adam moments (tfjs' optimiser or the kernel's): train a model through one of them.
   */
  applyGradients(grads: tf.NamedTensorMap | Float32Array): void {
    if (grads instanceof Float32Array) {
      this.jsKernel('applyGradients(Float32Array)').applyGradient(grads);
      return;
    }
    this.fast?.flush();
    for (const name of Object.keys(grads)) {
      if (!this.ownVariableNames.has(name)) {
        throw new Error(`reward model: got a gradient for '${name}', which is not one of its weights (pass varList = model.variables())`);
      }
    }
    this.optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
    const decay = this.config.learningRate * this.config.weightDecay;
    if (decay > 0) {
      tf.tidy(() => {
        for (const m of this.members) for (const layer of m.layers) layer.kernel.assign(tf.mul(layer.kernel, 1 - decay));
      });
    }
  }

  /**
   * JS kernel only: value and flat gradient of the exploitation loss on the ensemble-mean reward,
   * mean BT(R(first) - R(second), y) + rewardL2 * mean over real steps of r^2
   * (trainer/algorithms/neural/neural-rlhf.ts, `exploitationLoss`, is the tfjs form).
   */
  exploitationGradient(first: SegmentBatch, second: SegmentBatch, y: ArrayLike<number>, rewardL2: number): { value: number; grad: Float32Array } {
    const kernel = this.jsKernel('exploitationGradient');
    if (first.count !== second.count || y.length !== first.count) throw new Error(`exploitationGradient: ${first.count} / ${second.count} segments, ${y.length} labels`);
    this.checkBatch(first);
    this.checkBatch(second);
    return kernel.exploitationGradient(first, second, y, rewardL2);
  }

  /** JS kernel only: flat gradient of sum_n weights[n] r(obs_n, a_n) (ensemble mean), obs [N * obsSize]. */
  linearGradient(obs: Float32Array, actions: Int32Array, weights: Float32Array): Float32Array {
    const kernel = this.jsKernel('linearGradient');
    const n = actions.length;
    if (obs.length !== n * this.config.obsSize || weights.length !== n) throw new Error(`linearGradient: ${obs.length} observation values, ${n} actions, ${weights.length} weights`);
    return kernel.linearGradient(obs, actions, n, weights);
  }

  /**
   * One step of the query ensemble's fit (trainer/service/neural-engine.ts QueryEnsemble): each
   * member's Bradley-Terry loss on its own returns, weighted by its own bootstrap weights
   * w [K * M] (member-major) and normalised by their sum, plus a penalty on the scale of the
   * members' returns, scaleL2 * (mean R(first)^2 + mean R(second)^2) over members and pairs.
   * Returns the loss before the step. On the JS kernel the gradient is the kernel's
   * (kernels/reward-kernel.ts, closed form; its own Adam moments), else tfjs autodiff.
   */
  bootstrapPreferenceStep(first: SegmentBatch, second: SegmentBatch, y: ArrayLike<number>, weights: Float32Array, scaleL2: number): number {
    const K = this.members.length, M = first.count;
    if (second.count !== M || y.length !== M) throw new Error(`bootstrapPreferenceStep: ${M} / ${second.count} segments, ${y.length} labels`);
    if (weights.length !== K * M) throw new Error(`bootstrapPreferenceStep: ${weights.length} weights for ${K} members x ${M} pairs`);
    if (this.fast) {
      this.checkBatch(first);
      this.checkBatch(second);
      const { value, grad } = this.fast.bootstrapPreferenceGradient(first, second, y, weights, scaleL2);
      this.fast.applyGradient(grad);
      return value;
    }
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    return this.update(() => tf.tidy(() => {
      const r1 = this.memberSegmentReturns(first), r2 = this.memberSegmentReturns(second); // [K, M]
      const delta = tf.sub(r1, r2);
      const perPair = tf.add(tf.softplus(tf.neg(delta)), tf.mul(tf.sub(1, tf.tensor1d(Array.from(y), 'float32')), delta));
      const bt = tf.div(tf.sum(tf.mul(perPair, tf.tensor2d(weights, [K, M]))), Math.max(1e-6, total));
      const scale = tf.add(tf.mean(tf.square(r1)), tf.mean(tf.square(r2)));
      return tf.add(bt, tf.mul(scale, scaleL2)) as tf.Scalar;
    }));
  }

  /**
   * Disagreement on candidate pairs, no gradient: per pair m, the standard deviation over members
   * of P(first preferred) = sigmoid(R_k(first_m) - R_k(second_m)) -> [M].
   */
  preferenceDisagreement(first: SegmentBatch, second: SegmentBatch): Float64Array {
    if (first.count !== second.count) throw new Error(`preferenceDisagreement: ${first.count} first segments but ${second.count} second ones`);
    this.checkBatch(first);
    this.checkBatch(second);
    if (this.fast) {
      const r1 = this.fast.memberSegmentReturns(first), r2 = this.fast.memberSegmentReturns(second), K = r1.length;
      return Float64Array.from({ length: first.count }, (_, m) => {
        const p = r1.map((r, k) => 1 / (1 + Math.exp(r2[k]![m]! - r[m]!)));
        const mean = p.reduce((s, v) => s + v, 0) / K;
        return Math.sqrt(p.reduce((s, v) => s + (v - mean) ** 2, 0) / K);
      });
    }
    const t = tf.tidy(() => {
      const p = tf.sigmoid(tf.sub(this.memberSegmentReturns(first), this.memberSegmentReturns(second))); // [K, M]
      return tf.sqrt(tf.moments(p, 0).variance);
    });
    try {
      return Float64Array.from(t.dataSync());
    } finally {
      t.dispose();
    }
  }

  /** JS kernel only: the weights as one member-concatenated vector (the layout of its flat gradients), a copy. */
  flatWeights(): Float32Array {
    return this.jsKernel('flatWeights').params();
  }

  /** JS kernel only: sets the weights from a vector laid out as `flatWeights()`'s. */
  setFlatWeights(weights: Float32Array): void {
    this.jsKernel('setFlatWeights').setParams(weights);
  }

  /** Minimises `loss` over this model's weights only (one step); returns the loss before the step. */
  update(loss: () => tf.Scalar): number {
    this.fast?.flush();
    const { value, grads } = tf.variableGrads(loss, this.variables());
    try {
      this.applyGradients(grads);
      return value.dataSync()[0]!;
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
  }

  /**
   * One step on `preferenceLoss(first, second, y)` (the upper level's plain preference fit: what
   * the bench times); returns the loss before the step. On the JS kernel it shares the kernel's
   * Adam moments with `applyGradients(Float32Array)`.
   */
  preferenceStep(first: SegmentBatch, second: SegmentBatch, y: ArrayLike<number>): number {
    if (!this.fast) return this.update(() => this.preferenceLoss(first, second, y));
    if (first.count !== second.count) throw new Error(`preferenceLoss: ${first.count} first segments but ${second.count} second ones`);
    if (y.length !== first.count) throw new Error(`preferenceLoss: ${y.length} labels for ${first.count} pairs`);
    this.checkBatch(first);
    this.checkBatch(second);
    return this.fast.preferenceStep(first, second, y);
  }

  dispose(): void {
    for (const m of this.members) m.dispose();
    this.optimizer.dispose();
  }

  private jsKernel(what: string): RewardKernel {
    if (!this.fast) throw new Error(`reward model: ${what} needs the JS kernel; this model runs on ${this.kernel}`);
    return this.fast;
  }

  private checkObs(obs: tf.Tensor2D): void {
    if (obs.rank !== 2 || obs.shape[1] !== this.config.obsSize) {
      throw new Error(`reward model: obs must be [N, ${this.config.obsSize}], got [${obs.shape.join(', ')}]`);
    }
  }

  private checkBatch(batch: SegmentBatch): void {
    if (batch.obsSize !== this.config.obsSize) throw new Error(`reward model: segment batch has obsSize ${batch.obsSize}, expected ${this.config.obsSize}`);
  }
}

function batchObs(batch: SegmentBatch): tf.Tensor2D {
  return tf.tensor2d(batch.obs, [batch.count * batch.length, batch.obsSize]);
}

/** [N, A] one-hot float mask of the actions (rejects out-of-range actions: oneHot would silently zero them). */
export function actionOneHot(actions: ActionsLike, numActions: number, n: number): tf.Tensor2D {
  return tf.tidy(() => {
    let indices: tf.Tensor1D;
    if (actions instanceof tf.Tensor) {
      indices = actions.dtype === 'int32' ? actions : tf.cast(actions, 'int32');
    } else {
      for (let i = 0; i < actions.length; i++) {
        const a = actions[i]!;
        if (!Number.isInteger(a) || a < 0 || a >= numActions) throw new Error(`action ${a} at row ${i} is outside [0, ${numActions})`);
      }
      indices = tf.tensor1d(Int32Array.from(actions), 'int32');
    }
    if (indices.shape[0] !== n) throw new Error(`${indices.shape[0]} actions for ${n} observations`);
    return tf.cast(tf.oneHot(indices, numActions), 'float32') as tf.Tensor2D;
  });
}

/** values [N, A], actions [N] -> values[n, a_n] as [N]. Differentiable w.r.t. values. */
export function pickActions(values: tf.Tensor2D, actions: ActionsLike, numActions: number): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(values, actionOneHot(actions, numActions, values.shape[0])), 1) as tf.Tensor1D);
}

import * as tf from '@tensorflow/tfjs';
import { makeRng, type Rng } from '../core/rng';
import { Mlp, type Activation, type NamedWeight } from './mlp';
import type { ReplayBuffer, TransitionBatch } from './replay-buffer';
import { pickActions, RewardModel } from './reward-model';

/**
 * The lower level for discrete actions: soft Q-learning with a target network
 * (docs/algorithms.md, "The lower level beyond tables"). For the current reward r_x,
 *   y      = r_x(s, a) + gamma (1 - done) V'(s'),   V'(s') = tau * logsumexp(Q'(s', .) / tau)
 *   loss   = mean Huber(Q(s, a) - y)   (or MSE)
 *   pi(.|s) = softmax(Q(s, .) / tau)
 * V' is the exact expectation over the target policy (V' = E_pi'[Q' - tau log pi']), not a
 * one-action sample. Q' follows Q by Polyak averaging.
 * `nextValue: 'online-policy'` (double-Q style) instead takes the expectation under the ONLINE
 * policy pi(.|s') = softmax(Q(s', .) / tau), with the target's values:
 *   V(s') = sum_a pi(a|s') (Q'(s', a) - tau log pi(a|s'))  <=  tau logsumexp(Q'(s', .) / tau)
 * (Gibbs: the soft maximum is the max over policies of E_pi[Q'] + tau H(pi)), so it does not
 * chase the target network's own noise upwards; where Q = Q' (the fixed point, or Polyak rate 1)
 * the two are equal and the operator is the soft Bellman operator of docs/algorithms.md. The object persists across outer
 * iterations: that is the warm start (pi_k starts from pi_{k-1}).
 */
export interface SoftQConfig {
  /** Length of the observation vector. */
  obsSize: number;
  /** Number of discrete actions. */
  numActions: number;
  /** Widths of the Q network's hidden layers. */
  hiddenSizes: number[];
  /** Hidden-layer nonlinearity (the output layer is linear). */
  activation: Activation;
  /** Discount. */
  gamma: number;
  /** Entropy temperature tau (the same tau as the bilevel problem's M_tau). */
  tau: number;
  /** Adam step size. */
  learningRate: number;
  /** Polyak rate rho: Q' <- (1 - rho) Q' + rho Q after every update (1 = hard copy). */
  targetUpdateRate: number;
  /** Regression loss on the TD error: Huber (robust to early large errors) or MSE. */
  loss: 'huber' | 'mse';
  /** Huber threshold (ignored for MSE). */
  huberDelta: number;
  /** Transitions per update when training from a replay buffer. */
  batchSize: number;
  /** Seeds the initial weights (the target starts as an exact copy). */
  seed: number;
  /**
   * V(s') in the target: 'target-soft-max' = tau logsumexp(Q'(s', .) / tau); 'online-policy' =
   * E_{a ~ softmax(Q(s', .) / tau)}[Q'(s', a) - tau log pi(a|s')] (double-Q style; see above).
   * Optional so configs written before it keep working; absent = 'target-soft-max'.
   */
  nextValue?: 'target-soft-max' | 'online-policy';
}

export const DEFAULT_SOFT_Q_CONFIG = {
  hiddenSizes: [64, 64],
  activation: 'relu',
  gamma: 0.99,
  tau: 0.1,
  learningRate: 1e-3,
  targetUpdateRate: 0.01,
  loss: 'huber',
  huberDelta: 1,
  batchSize: 128,
  seed: 0,
  nextValue: 'target-soft-max',
} as const satisfies Omit<SoftQConfig, 'obsSize' | 'numActions'>;

export function makeSoftQConfig(partial: Pick<SoftQConfig, 'obsSize' | 'numActions'> & Partial<SoftQConfig>): SoftQConfig {
  const c: SoftQConfig = { ...DEFAULT_SOFT_Q_CONFIG, ...partial, hiddenSizes: [...(partial.hiddenSizes ?? DEFAULT_SOFT_Q_CONFIG.hiddenSizes)], nextValue: partial.nextValue ?? DEFAULT_SOFT_Q_CONFIG.nextValue };
  const fail = (field: string, v: unknown, want: string) => {
    throw new Error(`soft Q: ${field} must be ${want}, got ${String(v)}`);
  };
  for (const f of ['obsSize', 'numActions', 'batchSize'] as const) if (!Number.isInteger(c[f]) || c[f] < 1) fail(f, c[f], 'a positive integer');
  c.hiddenSizes.forEach((h, i) => (!Number.isInteger(h) || h < 1) && fail(`hiddenSizes[${i}]`, h, 'a positive integer'));
  if (!(c.gamma >= 0 && c.gamma < 1)) fail('gamma', c.gamma, 'in [0, 1)');
  if (!(c.tau > 0)) fail('tau', c.tau, '> 0');
  if (!(c.learningRate > 0)) fail('learningRate', c.learningRate, '> 0');
  if (!(c.targetUpdateRate > 0 && c.targetUpdateRate <= 1)) fail('targetUpdateRate', c.targetUpdateRate, 'in (0, 1]');
  if (!(c.huberDelta > 0)) fail('huberDelta', c.huberDelta, '> 0');
  if (c.loss !== 'huber' && c.loss !== 'mse') fail('loss', c.loss, "'huber' or 'mse'");
  if (!['relu', 'tanh', 'elu'].includes(c.activation)) fail('activation', c.activation, 'relu|tanh|elu');
  if (c.nextValue !== 'target-soft-max' && c.nextValue !== 'online-policy') fail('nextValue', c.nextValue, "'target-soft-max' or 'online-policy'");
  return c;
}

/**
 * The current reward used to relabel a batch: a plain function on arrays
 * (obs [B * obsSize] row-major, actions [B]) -> rewards [B], or a RewardModel (evaluated in tfjs,
 * no gradient reaches it from the Q update).
 */
export type RewardFn = (obs: Float32Array, actions: Int32Array) => Float32Array;
export type RewardSource = RewardFn | RewardModel;

export class SoftQLearner {
  readonly kind = 'soft-q' as const;
  readonly config: SoftQConfig;
  private readonly online: Mlp;
  private readonly target: Mlp;
  private readonly optimizer: tf.AdamOptimizer;

  constructor(config: SoftQConfig) {
    this.config = makeSoftQConfig(config);
    const sizes = [this.config.obsSize, ...this.config.hiddenSizes, this.config.numActions];
    this.online = new Mlp(sizes, this.config.activation, makeRng(this.config.seed), true, 'softq/online');
    // The target is never trained directly (trainable = false): only Polyak-averaged.
    this.target = new Mlp(sizes, this.config.activation, makeRng(this.config.seed), false, 'softq/target');
    this.target.blendFrom(this.online, 1);
    this.optimizer = tf.train.adam(this.config.learningRate);
  }

  /** The lower-level variables (online Q weights only): the explicit varList of the Q update. */
  variables(): tf.Variable[] {
    return this.online.variables();
  }

  /** Online and target weights with logical names `online/...`, `target/...` (for checkpoints). */
  namedWeights(): NamedWeight[] {
    return [
      ...this.online.namedWeights().map((w) => ({ name: `online/${w.name}`, variable: w.variable })),
      ...this.target.namedWeights().map((w) => ({ name: `target/${w.name}`, variable: w.variable })),
    ];
  }

  /** obs [N, obsSize] -> Q(s, .) [N, A] of the online network. Differentiable. */
  qValues(obs: tf.Tensor2D): tf.Tensor2D {
    return this.online.apply(obs);
  }

  /** obs [N, obsSize] -> Q'(s, .) [N, A] of the target network. */
  targetQValues(obs: tf.Tensor2D): tf.Tensor2D {
    return this.target.apply(obs);
  }

  /** obs [N, obsSize] -> log pi(.|s) = logSoftmax(Q(s, .) / tau) [N, A]. */
  logPolicy(obs: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.logSoftmax(tf.div(this.online.apply(obs), this.config.tau)) as tf.Tensor2D);
  }

  /** pi(.|s) for one observation [obsSize] -> Float64Array [A]. */
  actionProbs(obs: ArrayLike<number>): Float64Array {
    const logp = this.logPolicyOf(obs);
    return logp.map(Math.exp);
  }

  /** pi(.|s) for N observations at once, obs [N * obsSize] row-major -> Float32Array [N * A]. */
  actionProbsBatch(obs: Float32Array): Float32Array {
    const { obsSize, numActions } = this.config;
    if (obs.length % obsSize !== 0) throw new Error(`soft Q: ${obs.length} values is not a whole number of ${obsSize}-value observations`);
    const t = tf.tidy(() => tf.exp(this.logPolicy(tf.tensor2d(obs, [obs.length / obsSize, obsSize]))));
    try {
      const probs = t.dataSync() as Float32Array;
      if (probs.length !== (obs.length / obsSize) * numActions) throw new Error('soft Q: unexpected policy shape');
      return probs;
    } finally {
      t.dispose();
    }
  }

  /** log pi(a|s) for one observation and action. */
  logProb(obs: ArrayLike<number>, action: number): number {
    if (!Number.isInteger(action) || action < 0 || action >= this.config.numActions) throw new Error(`soft Q: action ${action} is outside [0, ${this.config.numActions})`);
    return this.logPolicyOf(obs)[action]!;
  }

  /** a ~ pi(.|s), drawn with the caller's seeded Rng. */
  sampleAction(obs: ArrayLike<number>, rng: Rng): number {
    return rng.categorical(this.actionProbs(obs));
  }

  /**
   * Targets y [B] for a batch under the reward `reward` (relabelled now, never stored):
   * y = r(s, a) + gamma (1 - done) tau logsumexp(Q'(s', .) / tau).
   */
  targets(batch: TransitionBatch, reward: RewardSource): Float32Array {
    const t = this.targetTensor(batch, reward);
    try {
      return t.dataSync() as Float32Array;
    } finally {
      t.dispose();
    }
  }

  /** One gradient step on the online Q weights only, then a Polyak step of the target. Returns the loss. */
  update(batch: TransitionBatch, reward: RewardSource): number {
    this.checkBatch(batch);
    const y = this.targetTensor(batch, reward);
    const obs = tf.tensor2d(batch.obs, [batch.size, this.config.obsSize]);
    try {
      const { value, grads } = tf.variableGrads(() => {
        const q = pickActions(this.online.apply(obs), batch.actions, this.config.numActions);
        return this.config.loss === 'huber'
          ? tf.losses.huberLoss(y, q, undefined, this.config.huberDelta, tf.Reduction.MEAN)
          : tf.losses.meanSquaredError(y, q, undefined, tf.Reduction.MEAN);
      }, this.online.variables());
      try {
        this.optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
        return value.dataSync()[0]!;
      } finally {
        tf.dispose([value, ...Object.values(grads)]);
      }
    } finally {
      tf.dispose([y, obs]);
      this.target.blendFrom(this.online, this.config.targetUpdateRate);
    }
  }

  /** `steps` updates on batches of `config.batchSize` sampled from `replay`; returns the mean loss. */
  train(replay: ReplayBuffer, reward: RewardSource, rng: Rng, steps: number): number {
    let total = 0;
    for (let i = 0; i < steps; i++) total += this.update(replay.sample(this.config.batchSize, rng), reward);
    return steps > 0 ? total / steps : 0;
  }

  dispose(): void {
    this.online.dispose();
    this.target.dispose();
    this.optimizer.dispose();
  }

  private targetTensor(batch: TransitionBatch, reward: RewardSource): tf.Tensor1D {
    this.checkBatch(batch);
    const { obsSize, gamma, tau } = this.config;
    const rewards = typeof reward === 'function' ? reward(batch.obs, batch.actions) : null;
    if (rewards !== null && rewards.length !== batch.size) throw new Error(`soft Q: the reward function returned ${rewards.length} values for ${batch.size} transitions`);
    return tf.tidy(() => {
      const r = rewards !== null ? tf.tensor1d(rewards) : (reward as RewardModel).rewards(tf.tensor2d(batch.obs, [batch.size, obsSize]), batch.actions);
      const nextObs = tf.tensor2d(batch.nextObs, [batch.size, obsSize]);
      const nextQ = this.target.apply(nextObs);
      const nextV = this.config.nextValue === 'online-policy'
        ? this.onlinePolicyValue(nextObs, nextQ)
        : tf.mul(tf.logSumExp(tf.div(nextQ, tau), 1), tau);
      const notDone = tf.sub(1, tf.tensor1d(batch.done));
      return tf.add(r, tf.mul(tf.mul(notDone, gamma), nextV)) as tf.Tensor1D;
    });
  }

  /** sum_a pi(a|s') (Q'(s', a) - tau log pi(a|s')), pi the online soft policy (no gradient flows: targets only). */
  private onlinePolicyValue(nextObs: tf.Tensor2D, nextQ: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const logPi = this.logPolicy(nextObs);
      return tf.sum(tf.mul(tf.exp(logPi), tf.sub(nextQ, tf.mul(logPi, this.config.tau))), 1) as tf.Tensor1D;
    });
  }

  private logPolicyOf(obs: ArrayLike<number>): Float64Array {
    if (obs.length !== this.config.obsSize) throw new Error(`soft Q: observation has ${obs.length} values, expected ${this.config.obsSize}`);
    const t = tf.tidy(() => this.logPolicy(tf.tensor2d(Float32Array.from(obs), [1, this.config.obsSize])));
    try {
      return Float64Array.from(t.dataSync());
    } finally {
      t.dispose();
    }
  }

  private checkBatch(batch: TransitionBatch): void {
    if (batch.obsSize !== this.config.obsSize) throw new Error(`soft Q: batch obsSize ${batch.obsSize}, expected ${this.config.obsSize}`);
  }
}

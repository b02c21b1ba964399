/**
 * The SAC update of sac.ts written again in tfjs with automatic differentiation: the same
 * losses, the same Adam (tfjs' own), the same noise draws (in the same order from the same Rng),
 * starting from a kernel learner's weights. Two uses: the benchmark of SAC updates/s on tfjs'
 * backends beside the kernel (trainer/algorithms/continuous/sac-bench.ts), and an independent
 * check of the kernel's hand-written gradients (sac-tfjs.test.ts: equal weights after updates).
 * Not used for training.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../core/rng';
import type { DenseNet } from './dense-net';
import type { ContinuousBatch } from './replay';
import type { SacLearner } from './sac';
import { LOG_STD_MAX, LOG_STD_MIN } from './tanh-gaussian';

type Layers = Array<{ kernel: tf.Variable; bias: tf.Variable }>;

function variablesOf(net: DenseNet, trainable: boolean): Layers {
  const { layout } = net, p = net.params();
  const out: Layers = [];
  for (let l = 0; l < layout.layerCount; l++) {
    const fanIn = layout.sizes[l]!, fanOut = layout.sizes[l + 1]!;
    const k = p.slice(layout.kernelAt[l]!, layout.kernelAt[l]! + fanIn * fanOut), b = p.slice(layout.biasAt[l]!, layout.biasAt[l]! + fanOut);
    out.push({ kernel: tf.variable(tf.tensor2d(k, [fanIn, fanOut]), trainable), bias: tf.variable(tf.tensor1d(b), trainable) });
  }
  return out;
}

function mlp(layers: Layers, x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  layers.forEach((layer, i) => {
    const z = tf.add(tf.matMul(h, layer.kernel), layer.bias) as tf.Tensor2D;
    h = i < layers.length - 1 ? tf.relu(z) : z;
  });
  return h;
}

const flat = (layers: Layers) => layers.flatMap((l) => [l.kernel, l.bias]);

function standardNormals(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

export class TfjsSac {
  private readonly actor: Layers;
  private readonly critics: [Layers, Layers];
  private readonly targets: [Layers, Layers];
  private readonly actorOpt: tf.Optimizer;
  private readonly criticOpts: [tf.Optimizer, tf.Optimizer];
  private readonly A: number;

  constructor(private readonly source: SacLearner) {
    const c = source.config;
    this.A = c.actionSize;
    this.actor = variablesOf(source.actor, true);
    this.critics = [variablesOf(source.critics[0], true), variablesOf(source.critics[1], true)];
    this.targets = [variablesOf(source.targets[0], false), variablesOf(source.targets[1], false)];
    this.actorOpt = tf.train.adam(c.actorLearningRate);
    this.criticOpts = [tf.train.adam(c.criticLearningRate), tf.train.adam(c.criticLearningRate)];
    if (c.entropy !== 'fixed') throw new Error('tfjs SAC: fixed alpha only (the comparison and the bench need no tuner)');
  }

  /** Squashed sample and log-probability of the head [B, 2A] with noise [B, A] (tanh-gaussian.ts, in tensors). */
  private sample(head: tf.Tensor2D, noise: tf.Tensor2D): { a: tf.Tensor2D; logp: tf.Tensor1D } {
    const A = this.A;
    const mu = tf.slice(head, [0, 0], [-1, A]), raw = tf.slice(head, [0, A], [-1, A]);
    const logStd = tf.add(LOG_STD_MIN, tf.mul(0.5 * (LOG_STD_MAX - LOG_STD_MIN), tf.add(tf.tanh(raw), 1)));
    const u = tf.add(mu, tf.mul(tf.exp(logStd), noise));
    const correction = tf.mul(2, tf.sub(tf.sub(Math.LN2, u), tf.softplus(tf.mul(-2, u))));
    const perDim = tf.sub(tf.sub(tf.sub(tf.mul(-0.5, tf.square(noise)), logStd), 0.5 * Math.log(2 * Math.PI)), correction);
    return { a: tf.tanh(u) as tf.Tensor2D, logp: tf.sum(perDim, 1) as tf.Tensor1D };
  }

  update(batch: ContinuousBatch, rewards: Float32Array, rng: Rng): void {
    const { gamma, targetUpdateRate: rho } = this.source.config;
    const alpha = this.source.alpha;
    const B = batch.size, O = batch.obsSize, A = this.A;
    const nextNoise = standardNormals(B * A, rng), actorNoise = standardNormals(B * A, rng);
    tf.tidy(() => {
      const obs = tf.tensor2d(batch.obs, [B, O]), nextObs = tf.tensor2d(batch.nextObs, [B, O]);
      const actions = tf.tensor2d(batch.actions, [B, A]);
      const next = this.sample(mlp(this.actor, nextObs), tf.tensor2d(nextNoise, [B, A]));
      const nextIn = tf.concat([nextObs, next.a], 1);
      const minTarget = tf.minimum(mlp(this.targets[0], nextIn), mlp(this.targets[1], nextIn)).reshape([B]);
      const y = tf.add(tf.tensor1d(rewards), tf.mul(tf.mul(gamma, tf.sub(1, tf.tensor1d(batch.done))), tf.sub(minTarget, tf.mul(alpha, next.logp))));
      const here = tf.concat([obs, actions], 1);
      this.critics.forEach((critic, j) => {
        const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(mlp(critic, here).reshape([B]), y))) as tf.Scalar, flat(critic));
        this.criticOpts[j]!.applyGradients(grads);
      });
      const eps = tf.tensor2d(actorNoise, [B, A]);
      const { grads } = tf.variableGrads(() => {
        const s = this.sample(mlp(this.actor, obs), eps);
        const input = tf.concat([obs, s.a], 1);
        const q = tf.minimum(mlp(this.critics[0], input), mlp(this.critics[1], input)).reshape([B]);
        return tf.mean(tf.sub(tf.mul(alpha, s.logp), q)) as tf.Scalar;
      }, flat(this.actor));
      this.actorOpt.applyGradients(grads);
      this.targets.forEach((target, j) => flat(target).forEach((v, i) => v.assign(tf.add(v, tf.mul(rho, tf.sub(flat(this.critics[j]!)[i]!, v))))));
    });
  }

  /** The actor's weights in the kernel's flat layout (to compare). */
  actorParams(): Float32Array {
    return Float32Array.from(flat(this.actor).flatMap((v) => Array.from(v.dataSync())));
  }

  criticParams(j: 0 | 1): Float32Array {
    return Float32Array.from(flat(this.critics[j]).flatMap((v) => Array.from(v.dataSync())));
  }

  dispose(): void {
    for (const layers of [this.actor, ...this.critics, ...this.targets]) tf.dispose(flat(layers));
    this.actorOpt.dispose();
    this.criticOpts.forEach((o) => o.dispose());
  }
}

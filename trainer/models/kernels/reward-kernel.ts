import type * as tf from '@tensorflow/tfjs';
import type { SegmentBatch } from '../segment-batch';
import { Float32Adam } from './adam';
import { MlpLayout, MlpTape, mlpBackward, mlpForward, type KernelActivation } from './dense-mlp';
import { Arena } from './wasm/arena';
import { WeightMirror } from './weight-mirror';

/**
 * The reward model's (trainer/models/reward-model.ts) evaluations and its preference step on the
 * JS kernel: r(s, a) for relabelling, segment returns, and one Adam step (plus decoupled weight
 * decay on the kernels) on the Bradley-Terry loss of every member, with the gradient of the loss
 * with respect to each per-step reward written in closed form:
 *   l_m = softplus(-delta_m) + (1 - y_m) delta_m,  dl/ddelta = sigmoid(delta) - y,
 *   delta_m = sum_h mask r(first) - sum_h mask r(second),
 * then back-propagated through the members (the loss is the mean over members and pairs).
 */
export interface RewardKernelSettings {
  sizes: readonly number[];
  activation: KernelActivation;
  learningRate: number;
  weightDecay: number;
}

export class RewardKernel {
  private readonly layout: MlpLayout;
  private readonly arena = new Arena();
  readonly members: readonly WeightMirror[];
  private adams: Float32Adam[] | null = null;
  private readonly tapeA: MlpTape;
  private readonly tapeB: MlpTape;
  private readonly gradAt: number;
  private readonly gradBAt: number;
  private dOut = new Float32Array(0);

  constructor(private readonly s: RewardKernelSettings, memberVariables: readonly (readonly tf.Variable[])[]) {
    this.layout = new MlpLayout(s.sizes);
    this.members = memberVariables.map((vars) => new WeightMirror(this.arena, this.layout, vars));
    this.tapeA = new MlpTape(this.arena, this.layout);
    this.tapeB = new MlpTape(this.arena, this.layout);
    this.gradAt = this.arena.alloc(this.layout.paramCount);
    this.gradBAt = this.arena.alloc(this.layout.paramCount);
  }

  flush(): void {
    for (const m of this.members) m.flush();
  }

  /** Ensemble-mean r(s_n, a_n) for `rows` rows -> a new Float32Array [rows]. */
  rewards(obs: Float32Array, actions: Int32Array, rows: number): Float32Array {
    const A = this.layout.outputSize, K = this.members.length;
    checkActions(actions, rows, A);
    const out = new Float32Array(rows);
    for (const member of this.members) {
      const r = mlpForward(this.layout, this.s.activation, member.read(), obs, rows, this.tapeA);
      for (let n = 0; n < rows; n++) out[n] = out[n]! + r[n * A + actions[n]!]!;
    }
    if (K > 1) for (let n = 0; n < rows; n++) out[n] = out[n]! / K;
    return out;
  }

  /** Each member's segment returns sum_h mask r(s_h, a_h) -> K arrays [M]. */
  memberSegmentReturns(batch: SegmentBatch): Float32Array[] {
    return this.members.map((member) => this.segmentReturns(member.read(), batch, this.tapeA));
  }

  /**
   * One Adam step on the mean over members and pairs of the Bradley-Terry loss of (first[m],
   * second[m], y[m]); returns the loss before the step. The same Adam moments as
   * `applyGradient` (tfjs' optimiser of the same model keeps separate ones).
   */
  preferenceStep(first: SegmentBatch, second: SegmentBatch, y: ArrayLike<number>): number {
    const { learningRate, weightDecay } = this.s;
    const K = this.members.length, M = first.count;
    this.adams ??= this.members.map(() => new Float32Adam(this.layout.paramCount, learningRate));
    let total = 0;
    this.members.forEach((member, k) => {
      const paramsAt = member.read();
      const R1 = this.segmentReturns(paramsAt, first, this.tapeA);
      const R2 = this.segmentReturns(paramsAt, second, this.tapeB);
      const dDelta = new Float32Array(M);
      for (let m = 0; m < M; m++) {
        const delta = R1[m]! - R2[m]!;
        total += softplus(-delta) + (1 - y[m]!) * delta;
        dDelta[m] = (sigmoid(delta) - y[m]!) / (K * M);
      }
      this.backwardReturns(paramsAt, first, dDelta, 1, this.tapeA, this.gradAt);
      this.backwardReturns(paramsAt, second, dDelta, -1, this.tapeB, this.gradBAt);
      const P = this.layout.paramCount;
      const grad = this.arena.array(this.gradAt, P), gradB = this.arena.array(this.gradBAt, P), params = this.arena.array(paramsAt, P);
      for (let i = 0; i < P; i++) grad[i] = grad[i]! + gradB[i]!;
      this.adams![k]!.step(params, grad);
      this.decay(params, learningRate * weightDecay);
      member.wrote();
    });
    return total / (K * M);
  }

  /**
   * The bootstrap-weighted preference loss of the query ensemble (reward-model.ts
   * `bootstrapPreferenceStep`, whose tfjs form is the reference), each member on its own returns
   * R_k = sum_h mask r_k and its own weights w[k * M + m]:
   *   L = sum_km w_km l_km / max(1e-6, sum w) + scaleL2 (mean_km R1_km^2 + mean_km R2_km^2),
   *   l_km = softplus(-delta_km) + (1 - y_m) delta_km, delta_km = R1_km - R2_km,
   * and its member-concatenated gradient, with dL/dR in closed form:
   *   dL/dR1_km = w_km (sigmoid(delta_km) - y_m) / W + 2 scaleL2 R1_km / (K M), dL/dR2_km likewise
   *   with the first term negated.
   */
  bootstrapPreferenceGradient(first: SegmentBatch, second: SegmentBatch, y: ArrayLike<number>, weights: Float32Array, scaleL2: number): { value: number; grad: Float32Array } {
    const K = this.members.length, M = first.count, P = this.layout.paramCount;
    if (weights.length !== K * M) throw new Error(`reward kernel: ${weights.length} bootstrap weights for ${K} members x ${M} pairs`);
    let W = 0;
    for (let i = 0; i < weights.length; i++) W += weights[i]!;
    W = Math.max(1e-6, W);
    const grad = new Float32Array(this.gradientLength);
    const dR1 = new Float32Array(M), dR2 = new Float32Array(M);
    let value = 0;
    this.members.forEach((member, k) => {
      const paramsAt = member.read();
      const R1 = this.segmentReturns(paramsAt, first, this.tapeA);
      const R2 = this.segmentReturns(paramsAt, second, this.tapeB);
      for (let m = 0; m < M; m++) {
        const delta = R1[m]! - R2[m]!, w = weights[k * M + m]!;
        value += (w * (softplus(-delta) + (1 - y[m]!) * delta)) / W + (scaleL2 * (R1[m]! * R1[m]! + R2[m]! * R2[m]!)) / (K * M);
        const dDelta = (w * (sigmoid(delta) - y[m]!)) / W;
        dR1[m] = dDelta + (2 * scaleL2 * R1[m]!) / (K * M);
        dR2[m] = -dDelta + (2 * scaleL2 * R2[m]!) / (K * M);
      }
      this.backwardReturns(paramsAt, first, dR1, 1, this.tapeA, this.gradAt);
      this.backwardReturns(paramsAt, second, dR2, 1, this.tapeB, this.gradBAt);
      const g = this.arena.array(this.gradAt, P), gB = this.arena.array(this.gradBAt, P);
      for (let i = 0; i < P; i++) grad[k * P + i] = g[i]! + gB[i]!;
    });
    return { value, grad };
  }

  /** Every member's weights, member-concatenated (the layout of the flat gradients): a copy. */
  params(): Float32Array {
    const P = this.layout.paramCount, out = new Float32Array(this.gradientLength);
    this.members.forEach((member, k) => out.set(member.view(), k * P));
    return out;
  }

  /** Sets every member's weights from a member-concatenated vector (the tf.Variables follow on flush). */
  setParams(flat: Float32Array): void {
    const P = this.layout.paramCount;
    if (flat.length !== this.gradientLength) throw new Error(`reward kernel: ${flat.length} weights, expected ${this.gradientLength}`);
    this.members.forEach((member, k) => {
      this.arena.array(member.read(), P).set(flat.subarray(k * P, (k + 1) * P));
      member.wrote();
    });
  }

  /** Values per member-concatenated gradient: K x paramCount (member k's weights in tfjs' order). */
  get gradientLength(): number {
    return this.members.length * this.layout.paramCount;
  }

  /**
   * The exploitation loss of trainer/algorithms/neural/neural-rlhf.ts on the ensemble-mean reward
   * r (masked per-step rewards r1, r2 of the first and second clips; returns R = sum_h r):
   *   L = mean_m BT(R1_m - R2_m, y_m) + rewardL2 * (sum r1^2 + sum r2^2) / (number of real steps)
   * and its gradient; dL/dr in closed form, back-propagated through every member (r = mean_k r_k).
   */
  exploitationGradient(first: SegmentBatch, second: SegmentBatch, y: ArrayLike<number>, rewardL2: number): { value: number; grad: Float32Array } {
    const M = first.count;
    const rows1 = M * first.length, rows2 = second.count * second.length;
    const r1 = this.rewards(first.obs, first.actions, rows1), r2 = this.rewards(second.obs, second.actions, rows2);
    const R1 = maskedSums(r1, first), R2 = maskedSums(r2, second);
    let value = 0;
    const dDelta = new Float32Array(M);
    for (let m = 0; m < M; m++) {
      const delta = R1[m]! - R2[m]!;
      value += (softplus(-delta) + (1 - y[m]!) * delta) / M;
      dDelta[m] = (sigmoid(delta) - y[m]!) / M;
    }
    let steps = 0, squares = 0;
    for (const [r, b] of [[r1, first], [r2, second]] as const) {
      for (let n = 0; n < r.length; n++) {
        steps += b.mask[n]!;
        squares += (b.mask[n]! * r[n]!) ** 2;
      }
    }
    const penalty = rewardL2 > 0 ? rewardL2 / Math.max(steps, 1) : 0;
    value += penalty * squares;
    const dr = (r: Float32Array, b: SegmentBatch, sign: number) => Float32Array.from(r, (v, n) => {
      const mask = b.mask[n]!;
      return sign * mask * dDelta[Math.floor(n / b.length)]! + 2 * penalty * mask * mask * v;
    });
    const grad = new Float32Array(this.gradientLength);
    this.addRewardGradient(first.obs, first.actions, rows1, dr(r1, first, 1), grad);
    this.addRewardGradient(second.obs, second.actions, rows2, dr(r2, second, -1), grad);
    return { value, grad };
  }

  /** Gradient of sum_n weights[n] * r(obs_n, a_n), r the ensemble mean: the exploration surrogate's. */
  linearGradient(obs: Float32Array, actions: Int32Array, rows: number, weights: Float32Array): Float32Array {
    const grad = new Float32Array(this.gradientLength);
    if (rows > 0) this.addRewardGradient(obs, actions, rows, weights, grad);
    return grad;
  }

  /** One Adam step (and the decoupled weight decay) with a member-concatenated gradient. */
  applyGradient(grad: Float32Array): void {
    const P = this.layout.paramCount, { learningRate, weightDecay } = this.s;
    if (grad.length !== this.gradientLength) throw new Error(`reward kernel: gradient has ${grad.length} values, expected ${this.gradientLength}`);
    this.adams ??= this.members.map(() => new Float32Adam(P, learningRate));
    this.members.forEach((member, k) => {
      const params = this.arena.array(member.read(), P);
      this.adams![k]!.step(params, grad.subarray(k * P, (k + 1) * P));
      this.decay(params, learningRate * weightDecay);
      member.wrote();
    });
  }

  /** grad[k * P ..] += d/dparams_k of sum_n dr[n] * r_mean(obs_n, a_n) = (1/K) sum_n dr[n] grad r_k(obs_n, a_n). */
  private addRewardGradient(obs: Float32Array, actions: Int32Array, rows: number, dr: Float32Array, grad: Float32Array): void {
    const A = this.layout.outputSize, K = this.members.length, P = this.layout.paramCount;
    checkActions(actions, rows, A);
    if (this.dOut.length < rows * A) this.dOut = new Float32Array(rows * A);
    const dOut = this.dOut.subarray(0, rows * A);
    this.members.forEach((member, k) => {
      const paramsAt = member.read();
      mlpForward(this.layout, this.s.activation, paramsAt, obs, rows, this.tapeA);
      dOut.fill(0);
      for (let n = 0; n < rows; n++) dOut[n * A + actions[n]!] = dr[n]! / K;
      mlpBackward(this.layout, this.s.activation, paramsAt, this.tapeA, dOut, this.gradAt);
      const g = this.arena.array(this.gradAt, P);
      for (let i = 0; i < P; i++) grad[k * P + i] = grad[k * P + i]! + g[i]!;
    });
  }

  private decay(params: Float32Array, decay: number): void {
    if (!(decay > 0)) return;
    const { kernelAt, biasAt } = this.layout;
    for (let l = 0; l < this.layout.layerCount; l++) for (let i = kernelAt[l]!; i < biasAt[l]!; i++) params[i] = params[i]! * (1 - decay);
  }

  private segmentReturns(paramsAt: number, batch: SegmentBatch, tape: MlpTape): Float32Array {
    const A = this.layout.outputSize, rows = batch.count * batch.length, H = batch.length;
    checkActions(batch.actions, rows, A);
    const r = mlpForward(this.layout, this.s.activation, paramsAt, batch.obs, rows, tape);
    const R = new Float32Array(batch.count);
    for (let m = 0; m < batch.count; m++) {
      let sum = 0;
      for (let h = 0; h < H; h++) {
        const n = m * H + h;
        sum += batch.mask[n]! * r[n * A + batch.actions[n]!]!;
      }
      R[m] = sum;
    }
    return R;
  }

  /** grad <- d/dparams of sum_m sign * dDelta[m] * R(batch_m), the tape holding batch's forward pass. */
  private backwardReturns(paramsAt: number, batch: SegmentBatch, dDelta: Float32Array, sign: number, tape: MlpTape, gradAt: number): void {
    const A = this.layout.outputSize, H = batch.length, rows = batch.count * H;
    if (this.dOut.length < rows * A) this.dOut = new Float32Array(rows * A);
    const dOut = this.dOut.subarray(0, rows * A);
    dOut.fill(0);
    for (let n = 0; n < rows; n++) dOut[n * A + batch.actions[n]!] = sign * batch.mask[n]! * dDelta[Math.floor(n / H)]!;
    mlpBackward(this.layout, this.s.activation, paramsAt, tape, dOut, gradAt);
  }
}

/** sum_h mask * r per segment -> [M]. */
function maskedSums(r: Float32Array, batch: SegmentBatch): Float32Array {
  const H = batch.length, R = new Float32Array(batch.count);
  for (let m = 0; m < batch.count; m++) {
    let sum = 0;
    for (let h = 0; h < H; h++) sum += batch.mask[m * H + h]! * r[m * H + h]!;
    R[m] = sum;
  }
  return R;
}

function checkActions(actions: Int32Array, rows: number, numActions: number): void {
  if (actions.length < rows) throw new Error(`${actions.length} actions for ${rows} observations`);
  for (let n = 0; n < rows; n++) {
    const a = actions[n]!;
    if (!(a >= 0 && a < numActions)) throw new Error(`action ${a} at row ${n} is outside [0, ${numActions})`);
  }
}

/** log(1 + e^x) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

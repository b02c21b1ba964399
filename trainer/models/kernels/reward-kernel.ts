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
   * second[m], y[m]); returns the loss before the step. Its own Adam moments (tfjs' optimiser
   * of the same model keeps separate ones: use one or the other for a model's training).
   */
  preferenceStep(first: SegmentBatch, second: SegmentBatch, y: ArrayLike<number>): number {
    const { activation, learningRate, weightDecay } = this.s;
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
      const decay = learningRate * weightDecay;
      if (decay > 0) {
        const { kernelAt, biasAt } = this.layout;
        for (let l = 0; l < this.layout.layerCount; l++) for (let i = kernelAt[l]!; i < biasAt[l]!; i++) params[i] = params[i]! * (1 - decay);
      }
      member.wrote();
    });
    return total / (K * M);
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

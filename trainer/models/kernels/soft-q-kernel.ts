import type * as tf from '@tensorflow/tfjs';
import type { TransitionBatch } from '../replay-buffer';
import { Float32Adam } from './adam';
import { MlpLayout, MlpTape, mlpBackward, mlpForward, type KernelActivation } from './dense-mlp';
import { Arena } from './wasm/arena';
import { WeightMirror } from './weight-mirror';

/**
 * The soft-Q update of trainer/models/soft-q.ts on the JS kernel: the same target
 * (y = r + gamma (1 - done) V'(s')), loss (MSE or Huber, mean over the batch), Adam step and
 * Polyak step, as a few loops over Float32Arrays with no host round trip (the loss comes back
 * as a plain number). The online and target weights stay in tf.Variables too (WeightMirror).
 */
export interface SoftQKernelSettings {
  sizes: readonly number[];
  activation: KernelActivation;
  gamma: number;
  tau: number;
  learningRate: number;
  targetUpdateRate: number;
  loss: 'huber' | 'mse';
  huberDelta: number;
  nextValue: 'target-soft-max' | 'online-policy';
}

export class SoftQKernel {
  private readonly layout: MlpLayout;
  private readonly arena = new Arena();
  readonly online: WeightMirror;
  readonly target: WeightMirror;
  private readonly adam: Float32Adam;
  private readonly gradAt: number;
  private readonly onlineTape: MlpTape;
  private readonly targetTape: MlpTape;
  private readonly nextOnlineTape: MlpTape;
  private dOut = new Float32Array(0);
  private y = new Float32Array(0);

  constructor(private readonly s: SoftQKernelSettings, onlineVariables: readonly tf.Variable[], targetVariables: readonly tf.Variable[]) {
    this.layout = new MlpLayout(s.sizes);
    this.online = new WeightMirror(this.arena, this.layout, onlineVariables);
    this.target = new WeightMirror(this.arena, this.layout, targetVariables);
    this.adam = new Float32Adam(this.layout.paramCount, s.learningRate);
    this.gradAt = this.arena.alloc(this.layout.paramCount);
    this.onlineTape = new MlpTape(this.arena, this.layout);
    this.targetTape = new MlpTape(this.arena, this.layout);
    this.nextOnlineTape = new MlpTape(this.arena, this.layout);
  }

  /** Both networks' variables current (call before tfjs reads them). */
  flush(): void {
    this.online.flush();
    this.target.flush();
  }

  /** Q(s, .) of the online network for `rows` observations -> a new Float32Array [rows, A]. */
  qValues(obs: Float32Array, rows: number): Float32Array {
    return mlpForward(this.layout, this.s.activation, this.online.read(), obs, rows, this.nextOnlineTape).slice();
  }

  /** Targets y [B] for the batch with rewards r [B]. The returned array is reused by the next call. */
  targets(batch: TransitionBatch, rewards: Float32Array): Float32Array {
    const { gamma, tau, activation } = this.s;
    const B = batch.size, A = this.layout.outputSize;
    if (this.y.length < B) this.y = new Float32Array(B);
    const y = this.y;
    // Both forward passes first: a tape's first use of a batch size may grow the arena, which
    // invalidates views taken before it.
    if (this.s.nextValue === 'online-policy') mlpForward(this.layout, activation, this.online.read(), batch.nextObs, B, this.nextOnlineTape);
    const nextQ = mlpForward(this.layout, activation, this.target.read(), batch.nextObs, B, this.targetTape);
    const nextOnline = this.s.nextValue === 'online-policy' ? this.lastOutput(this.nextOnlineTape) : null;
    for (let n = 0; n < B; n++) {
      const o = n * A;
      let v: number;
      if (nextOnline === null) {
        // tau * logsumexp(Q'/tau), shifted by the max for stability.
        let m = -Infinity;
        for (let a = 0; a < A; a++) m = Math.max(m, nextQ[o + a]!);
        let sum = 0;
        for (let a = 0; a < A; a++) sum += Math.exp((nextQ[o + a]! - m) / tau);
        v = m + tau * Math.log(sum);
      } else {
        // sum_a pi(a|s') (Q'(s', a) - tau log pi(a|s')), pi = softmax(Q(s', .) / tau) of the online net.
        let m = -Infinity;
        for (let a = 0; a < A; a++) m = Math.max(m, nextOnline[o + a]! / tau);
        let sum = 0;
        for (let a = 0; a < A; a++) sum += Math.exp(nextOnline[o + a]! / tau - m);
        const logZ = m + Math.log(sum);
        v = 0;
        for (let a = 0; a < A; a++) {
          const logPi = nextOnline[o + a]! / tau - logZ;
          v += Math.exp(logPi) * (nextQ[o + a]! - tau * logPi);
        }
      }
      y[n] = rewards[n]! + gamma * (1 - batch.done[n]!) * v;
    }
    return y.subarray(0, B);
  }

  /** One update; returns the loss before it (mean over the batch). */
  update(batch: TransitionBatch, rewards: Float32Array): number {
    const { activation, loss, huberDelta, targetUpdateRate: rho } = this.s;
    const B = batch.size, A = this.layout.outputSize;
    const y = this.targets(batch, rewards);
    const paramsAt = this.online.read();
    const q = mlpForward(this.layout, activation, paramsAt, batch.obs, B, this.onlineTape);
    if (this.dOut.length < B * A) this.dOut = new Float32Array(B * A);
    const dOut = this.dOut.subarray(0, B * A);
    dOut.fill(0);
    let total = 0;
    for (let n = 0; n < B; n++) {
      const a = batch.actions[n]!;
      if (!(a >= 0 && a < A)) throw new Error(`action ${a} at row ${n} is outside [0, ${A})`);
      const d = q[n * A + a]! - y[n]!;
      if (loss === 'mse') {
        total += d * d;
        dOut[n * A + a] = (2 * d) / B;
      } else {
        const ad = Math.abs(d);
        const quadratic = Math.min(ad, huberDelta);
        total += 0.5 * quadratic * quadratic + huberDelta * (ad - quadratic);
        dOut[n * A + a] = (ad <= huberDelta ? d : Math.sign(d) * huberDelta) / B;
      }
    }
    mlpBackward(this.layout, activation, paramsAt, this.onlineTape, dOut, this.gradAt);
    const params = this.arena.array(paramsAt, this.layout.paramCount);
    this.adam.step(params, this.arena.array(this.gradAt, this.layout.paramCount));
    this.online.wrote();
    const target = this.target.view();
    for (let i = 0; i < target.length; i++) target[i] = (1 - rho) * target[i]! + rho * params[i]!;
    this.target.wrote();
    return total / B;
  }

  private lastOutput(tape: MlpTape): Float32Array {
    const L = this.layout.layerCount;
    return this.arena.array(tape.actsAt[L - 1]!, tape.rows * this.layout.outputSize);
  }
}

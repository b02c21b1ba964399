/**
 * Adam on a Float32Array, step for step what tfjs' `tf.train.adam(lr)` does (tfjs-core
 * optimizers/adam_optimizer.js), so the two kernels train the same: beta1 0.9, beta2 0.999,
 * epsilon = the float32 backends' 1e-7, bias corrections from running products beta^t kept in
 * float32 as tfjs keeps them in a scalar variable:
 *   m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
 *   w <- w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 */
export const TFJS_ADAM_EPSILON = 1e-7;

export class Float32Adam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private accBeta1: number;
  private accBeta2: number;

  constructor(size: number, readonly learningRate: number, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly epsilon = TFJS_ADAM_EPSILON) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
    this.accBeta1 = Math.fround(beta1);
    this.accBeta2 = Math.fround(beta2);
  }

  /** One step in place on `params` with gradient `grad` (same length). */
  step(params: Float32Array, grad: Float32Array): void {
    const { m, v, beta1, beta2, epsilon, learningRate } = this;
    if (params.length !== m.length || grad.length !== m.length) throw new Error(`adam: ${params.length} params, ${grad.length} gradients, sized for ${m.length}`);
    const c1 = Math.fround(1 - this.accBeta1), c2 = Math.fround(1 - this.accBeta2);
    const g1 = 1 - beta1, g2 = 1 - beta2;
    for (let i = 0; i < m.length; i++) {
      const g = grad[i]!;
      const mi = (m[i] = beta1 * m[i]! + g1 * g);
      const vi = (v[i] = beta2 * v[i]! + g2 * g * g);
      params[i] = params[i]! - learningRate * ((mi / c1) / (Math.sqrt(vi / c2) + epsilon));
    }
    this.accBeta1 = Math.fround(this.accBeta1 * beta1);
    this.accBeta2 = Math.fround(this.accBeta2 * beta2);
  }

  /** Length of `exportState()`: the two running products beta^t, then m and v. */
  get stateLength(): number {
    return 2 + 2 * this.m.length;
  }

  /** [beta1^t, beta2^t, m..., v...]: what a resumed optimiser needs to take the next step exactly (checkpoints). */
  exportState(): Float32Array {
    const out = new Float32Array(this.stateLength);
    out[0] = this.accBeta1;
    out[1] = this.accBeta2;
    out.set(this.m, 2);
    out.set(this.v, 2 + this.m.length);
    return out;
  }

  /** Restores `exportState()`'s values; throws on a wrong length or impossible values. */
  importState(state: Float32Array): void {
    if (state.length !== this.stateLength) throw new Error(`adam: state holds ${state.length} values, expected ${this.stateLength}`);
    const b1 = state[0]!, b2 = state[1]!;
    if (!(b1 > 0 && b1 <= 1 && b2 > 0 && b2 <= 1)) throw new Error(`adam: running products must lie in (0, 1], got ${b1}, ${b2}`);
    const n = this.m.length;
    for (let i = 0; i < n; i++) if (!(state[2 + n + i]! >= 0)) throw new Error('adam: second moments must be >= 0');
    this.accBeta1 = b1;
    this.accBeta2 = b2;
    this.m.set(state.subarray(2, 2 + n));
    this.v.set(state.subarray(2 + n));
  }
}

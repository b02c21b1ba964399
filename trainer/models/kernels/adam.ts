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
}

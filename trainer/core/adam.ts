/**
 * Adam on a plain Float64Array parameter vector (the tabular reward model has no tfjs graph).
 * Kingma & Ba 2015 with bias correction; `weightDecay` is decoupled (AdamW).
 */
export interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const DEFAULT_ADAM: AdamConfig = { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(size: number, readonly config: AdamConfig = DEFAULT_ADAM) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** Number of values in `exportState()`: the step count, then m and v. */
  get stateLength(): number {
    return 1 + 2 * this.m.length;
  }

  /** [t, m..., v...]: everything a resumed optimiser needs to take the next step exactly. */
  exportState(): Float64Array {
    const out = new Float64Array(this.stateLength);
    out[0] = this.t;
    out.set(this.m, 1);
    out.set(this.v, 1 + this.m.length);
    return out;
  }

  importState(state: ArrayLike<number>): void {
    if (state.length !== this.stateLength) throw new Error(`adam: state holds ${state.length} values, expected ${this.stateLength}`);
    const t = state[0]!;
    if (!Number.isInteger(t) || t < 0) throw new Error(`adam: step count must be a non-negative integer, got ${t}`);
    this.t = t;
    for (let i = 0; i < this.m.length; i++) {
      this.m[i] = state[1 + i]!;
      this.v[i] = state[1 + this.m.length + i]!;
      if (this.v[i]! < 0) throw new Error('adam: second moments must be >= 0');
    }
  }

  /** In place: params <- params - lr * mhat / (sqrt(vhat) + eps) - lr * wd * params. */
  step(params: Float64Array, grad: ArrayLike<number>): void {
    const { lr, beta1, beta2, eps, weightDecay } = this.config;
    this.t++;
    const c1 = 1 - beta1 ** this.t, c2 = 1 - beta2 ** this.t;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i]!;
      this.m[i] = beta1 * this.m[i]! + (1 - beta1) * g;
      this.v[i] = beta2 * this.v[i]! + (1 - beta2) * g * g;
      params[i] = params[i]! - lr * ((this.m[i]! / c1) / (Math.sqrt(this.v[i]! / c2) + eps) + weightDecay * params[i]!);
    }
  }
}

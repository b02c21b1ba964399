/**
 * The tanh-Gaussian policy head of SAC (Haarnoja et al. 2018, appendix C), on plain arrays. The
 * actor network outputs, per row, A means and A raw log-standard-deviations; then
 *   log_std = LOG_STD_MIN + (LOG_STD_MAX - LOG_STD_MIN) (tanh(raw) + 1) / 2     (bounded, smooth)
 *   u = mu + std * eps,  eps ~ N(0, I)                                           (reparameterised)
 *   a = tanh(u)  in (-1, 1)^A                                                    (the env's box, rescaled)
 *   log pi(a|s) = sum_i [ -eps_i^2 / 2 - log_std_i - log(2 pi) / 2 - log(1 - tanh(u_i)^2) ]
 * the last term being the tanh change of variables, computed as 2 (log 2 - u - softplus(-2u))
 * (exact and stable for large |u|, unlike log(1 - a^2 + 1e-6)).
 * `tanhGaussianBackward` returns dLoss/d(head) given dLoss/da and dLoss/dlogpi, eps held fixed
 * (the reparameterisation trick): checked against finite differences in tanh-gaussian.test.ts.
 */
export const LOG_STD_MIN = -5;
export const LOG_STD_MAX = 2;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** What the backward pass needs of one sample. Arrays are [rows, A] row-major, logProb [rows]. */
export interface TanhGaussianSample {
  rows: number;
  actionSize: number;
  /** The squashed actions a = tanh(u), in (-1, 1). */
  actions: Float32Array;
  logProb: Float32Array;
  /** The noise eps the sample used. */
  noise: Float32Array;
  std: Float32Array;
  /** tanh(raw): the log-std's squashing, kept for its derivative. */
  rawTanh: Float32Array;
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** log(1 - tanh(u)^2), exactly and without cancellation. */
export function logOneMinusTanhSquared(u: number): number {
  return 2 * (Math.LN2 - u - softplus(-2 * u));
}

/**
 * The sample of the head [rows, 2A] (means first, then raw log-stds, per row) with noise
 * [rows, A]. A zero noise gives the policy's mode-like action tanh(mu) (evaluation).
 */
export function tanhGaussianSample(head: Float32Array, noise: Float32Array, rows: number, actionSize: number): TanhGaussianSample {
  const A = actionSize;
  if (head.length < rows * 2 * A || noise.length < rows * A) throw new Error(`tanh-gaussian: head or noise too short for ${rows} x ${A}`);
  const actions = new Float32Array(rows * A), logProb = new Float32Array(rows), std = new Float32Array(rows * A), rawTanh = new Float32Array(rows * A);
  for (let r = 0; r < rows; r++) {
    let lp = 0;
    for (let i = 0; i < A; i++) {
      const k = r * A + i;
      const mu = head[r * 2 * A + i]!, raw = head[r * 2 * A + A + i]!;
      const t = Math.tanh(raw);
      const logStd = LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (t + 1);
      const s = Math.exp(logStd), e = noise[k]!;
      const u = mu + s * e;
      actions[k] = Math.tanh(u);
      std[k] = s;
      rawTanh[k] = t;
      lp += -0.5 * e * e - logStd - HALF_LOG_2PI - logOneMinusTanhSquared(u);
    }
    logProb[r] = lp;
  }
  return { rows, actionSize: A, actions, logProb, noise: noise.slice(0, rows * A), std, rawTanh };
}

/**
 * dLoss/d(head) [rows, 2A] from dLoss/da [rows, A] (null: zero) and dLoss/dlogpi [rows], with
 * the sample's noise fixed:
 *   dLoss/du_i = dL/da_i (1 - a_i^2) + dL/dlogpi * 2 a_i        (d/du of -log(1 - tanh^2 u) is 2 tanh u)
 *   dLoss/dmu_i = dLoss/du_i
 *   dLoss/dlog_std_i = dLoss/du_i * std_i * eps_i - dL/dlogpi   (the -log_std term)
 *   dLoss/draw_i = dLoss/dlog_std_i * (MAX - MIN) / 2 * (1 - tanh(raw_i)^2)
 */
export function tanhGaussianBackward(sample: TanhGaussianSample, dActions: Float32Array | null, dLogProb: Float32Array): Float32Array {
  const { rows, actionSize: A, actions, noise, std, rawTanh } = sample;
  const out = new Float32Array(rows * 2 * A);
  const half = 0.5 * (LOG_STD_MAX - LOG_STD_MIN);
  for (let r = 0; r < rows; r++) {
    const gl = dLogProb[r]!;
    for (let i = 0; i < A; i++) {
      const k = r * A + i, a = actions[k]!;
      const du = (dActions ? dActions[k]! * (1 - a * a) : 0) + gl * 2 * a;
      const dLogStd = du * std[k]! * noise[k]! - gl;
      out[r * 2 * A + i] = du;
      out[r * 2 * A + A + i] = dLogStd * half * (1 - rawTanh[k]! * rawTanh[k]!);
    }
  }
  return out;
}

/**
 * The exploration half of the SoBiRL hyper-gradient for continuous actions. Per fresh pair m,
 *   score_m(x) = sum_i sum_h (G_Q(s_h, a_h; x) - G_V(s_h; x)),
 * with G_Q(s, a) = sum_{t<T} gamma^t r_x(s_t, a_t), rolled out in the (pure) env from the stored
 * state s with first action a, then actions of pi; and G_V(s) = E_{a~pi(.|s)} G_Q(s, a), which
 * for a continuous policy is estimated with K sampled first actions (unbiased):
 *   G_Q(s, a_h) - G_V(s) ~ G_Q(s, a_h) - (1/K) sum_k G_Q(s, a_k),  a_k ~ pi(.|s).
 * Every term is a weighted sum of r_x over (obs, action) rows whose weights do not depend on x,
 * so the rows are collected once per outer iteration and every upper step re-evaluates
 * sum_rows coef[pair] * weight * grad r_x in one kernel pass.
 * `rolloutSteps` = 1 is the authors' one-step form: grad r(s, a_h) - E_{a~pi} grad r(s, a), here
 * with K sampled actions. Each clip contributes `stepsPerSegment` of its steps (drawn without
 * replacement, reweighted by len / k: the sum over h stays unbiased).
 * Checked against the closed form on a linear-Gaussian problem in exploration-rows.test.ts.
 */
import type { Rng } from '../../core/rng';
import type { AnyContinuousEnv } from '../../envs/types';
import { toEnvAction, toNormalisedAction } from './action-box';
import type { ContinuousPolicy, ContinuousSegment } from './experience';
import { chooseSteps } from '../neural/exploration-rows';

export interface ContinuousRowOptions {
  /** T: rollout length (1 = the one-step form). */
  rolloutSteps: number;
  /** k: steps per clip used. */
  stepsPerSegment: number;
  /** K: sampled actions estimating G_V. */
  actionSamples: number;
  gamma: number;
}

export interface ContinuousExplorationRows {
  /** [R, obsSize] */
  obs: Float32Array;
  /** [R, actionSize], normalised. */
  actions: Float32Array;
  weights: Float32Array;
  /** Which pair each row belongs to. */
  pair: Int32Array;
  count: number;
}

interface Rollout<S> {
  state: S;
  pair: number;
  scale: number;
  /** The fixed first action, normalised. */
  first: Float32Array;
}

export function collectContinuousExplorationRows<S>(
  env: AnyContinuousEnv,
  policy: ContinuousPolicy,
  pairs: ReadonlyArray<{ first: ContinuousSegment<S>; second: ContinuousSegment<S> }>,
  options: ContinuousRowOptions,
  rng: Rng,
): ContinuousExplorationRows {
  const O = env.observationSize, A = env.actionSpace.low.length, K = options.actionSamples;
  if (!(Number.isInteger(K) && K >= 1)) throw new Error(`exploration rows: actionSamples must be an integer >= 1, got ${K}`);
  const picked: Array<{ pair: number; state: S; taken: readonly number[]; reweight: number }> = [];
  pairs.forEach((p, m) => {
    for (const seg of [p.first, p.second]) {
      const len = seg.actions.length;
      if (len === 0) continue;
      const chosen = chooseSteps(len, options.stepsPerSegment, rng);
      for (const h of chosen) picked.push({ pair: m, state: seg.states[h]!, taken: seg.actions[h]!, reweight: len / chosen.length });
    }
  });
  // K actions of pi at every picked state, in one actor pass.
  const repeated = new Float32Array(picked.length * K * O);
  picked.forEach((p, i) => {
    const o = env.observe(p.state);
    for (let k = 0; k < K; k++) repeated.set(o, (i * K + k) * O);
  });
  const sampled = picked.length > 0 ? policy(repeated, picked.length * K, rng).actions : new Float32Array(0);
  let active: Rollout<S>[] = [];
  picked.forEach((p, i) => {
    const taken = new Float32Array(A);
    toNormalisedAction(env.actionSpace, p.taken, taken);
    active.push({ state: p.state, pair: p.pair, scale: p.reweight, first: taken });
    for (let k = 0; k < K; k++) active.push({ state: p.state, pair: p.pair, scale: -p.reweight / K, first: sampled.slice((i * K + k) * A, (i * K + k + 1) * A) });
  });

  const obs: number[] = [], actions: number[] = [], weights: number[] = [], pairIdx: number[] = [];
  let discount = 1;
  for (let t = 0; t < options.rolloutSteps && active.length > 0; t++) {
    const stepObs = new Float32Array(active.length * O);
    active.forEach((r, i) => stepObs.set(env.observe(r.state), i * O));
    // The first action is fixed (that is what makes it G_Q(s, a)); later ones follow pi.
    const later = t === 0 ? null : policy(stepObs, active.length, rng).actions;
    const still: Rollout<S>[] = [];
    active.forEach((r, i) => {
      const a = later ? later.subarray(i * A, (i + 1) * A) : r.first;
      for (let j = 0; j < O; j++) obs.push(stepObs[i * O + j]!);
      for (let j = 0; j < A; j++) actions.push(a[j]!);
      weights.push(discount * r.scale);
      pairIdx.push(r.pair);
      if (t + 1 < options.rolloutSteps) {
        // Continuous envs have no terminal states: `done` marks the time limit only, which the
        // rollout runs through as the soft Q target bootstraps through it.
        const result = env.step(r.state, toEnvAction(env.actionSpace, a), rng);
        still.push({ ...r, state: result.state as S });
      }
    });
    active = still;
    discount *= options.gamma;
  }
  return { obs: Float32Array.from(obs), actions: Float32Array.from(actions), weights: Float32Array.from(weights), pair: Int32Array.from(pairIdx), count: weights.length };
}

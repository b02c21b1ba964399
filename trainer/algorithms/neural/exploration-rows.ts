import type { Rng } from '../../core/rng';
import type { Env } from '../../envs/types';
import type { Segment } from '../../preference/types';
import { sampleRow, type BatchPolicy } from './experience';

/**
 * The exploration half of the SoBiRL hyper-gradient needs, per fresh pair m,
 *   score_m(x) = sum_i sum_h (G_Q(s_h, a_h; x) - G_V(s_h; x))
 * with (docs/algorithms.md, "ways to get G", option 2: simulator rollouts)
 *   G_Q(s, a) = sum_{t<T} gamma^t r_x(o_t, a_t)   rolled out from s with first action a, then pi;
 *   G_V(s)    = sum_a pi(a|s) G_Q(s, a).
 * So G_Q(s_h, a_h) - G_V(s_h) = sum_a (1[a = a_h] - pi(a|s_h)) G_Q(s_h, a): a weighted sum of
 * r_x over (obs, action) rows whose weights do not depend on x (the states are fixed, only r_x
 * is differentiated). This file collects those rows once per outer iteration; the learner then
 * evaluates sum_rows coef[pair] * weight * r_x(obs, action) in ONE tfjs call per step.
 *
 * Each segment contributes `stepsPerSegment` of its steps drawn without replacement, reweighted
 * by len / k so the sum over h stays unbiased. With `rolloutSteps` = 1 this is the authors'
 * cheap "one-step" variant grad r(s, a_h) - sum_a' pi(a'|s) grad r(s, a') (no env steps).
 * Rollouts that reach a terminal state stop: r_x after the end of an episode is not summed,
 * exactly as the soft Q target does not bootstrap through a terminal state.
 */
export interface ExplorationRows {
  /** R rows; obs [R * obsSize]. */
  obs: Float32Array;
  actions: Int32Array;
  /** Fixed weight gamma^t * (1[a = a_h] - pi(a|s_h)) * len / k. */
  weights: Float32Array;
  /** Which fresh pair (index into the pairs passed in) each row belongs to. */
  pair: Int32Array;
  count: number;
}

export interface RowOptions {
  /** T: rollout length (1 = one-step variant). */
  rolloutSteps: number;
  /** k: steps per segment used (<= segment length). */
  stepsPerSegment: number;
  gamma: number;
}

interface Rollout<S> {
  state: S;
  pair: number;
  /** (1[a = a_h] - pi(a|s_h)) * len / k. */
  scale: number;
  firstAction: number;
}

/** Draws k distinct indices of [0, n) (partial Fisher-Yates). */
export function chooseSteps(n: number, k: number, rng: Rng): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  const m = Math.min(k, n);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(n - i);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, m);
}

export function collectExplorationRows<S>(
  env: Env<S>,
  policy: BatchPolicy,
  pairs: ReadonlyArray<{ first: Segment<S>; second: Segment<S> }>,
  options: RowOptions,
  rng: Rng,
): ExplorationRows {
  const A = env.actionNames.length, obsSize = env.observationSize;
  // Which (pair, state, taken action) steps are used, with their unbiasedness reweighting.
  const picked: Array<{ pair: number; state: S; taken: number; reweight: number }> = [];
  pairs.forEach((p, m) => {
    for (const seg of [p.first, p.second]) {
      const len = seg.actions.length;
      if (len === 0) continue;
      const chosen = chooseSteps(len, options.stepsPerSegment, rng);
      for (const h of chosen) picked.push({ pair: m, state: seg.states[h]!, taken: seg.actions[h]!, reweight: len / chosen.length });
    }
  });
  const pickedObs = new Float32Array(picked.length * obsSize);
  picked.forEach((p, i) => pickedObs.set(env.observe(p.state), i * obsSize));
  const pickedProbs = picked.length > 0 ? policy(pickedObs, picked.length) : new Float32Array(0);

  // One rollout per (picked step, first action a), weighted by 1[a = a_h] - pi(a|s_h).
  let active: Rollout<S>[] = [];
  picked.forEach((p, i) => {
    for (let a = 0; a < A; a++) {
      const scale = ((a === p.taken ? 1 : 0) - pickedProbs[i * A + a]!) * p.reweight;
      if (scale !== 0) active.push({ state: p.state, pair: p.pair, scale, firstAction: a });
    }
  });

  const obs: number[] = [], actions: number[] = [], weights: number[] = [], pairIdx: number[] = [];
  let discount = 1;
  for (let t = 0; t < options.rolloutSteps && active.length > 0; t++) {
    const stepObs = new Float32Array(active.length * obsSize);
    active.forEach((r, i) => stepObs.set(env.observe(r.state), i * obsSize));
    // The first action is fixed (that is what makes it G_Q(s, a)); later ones follow pi.
    const probs = t === 0 ? null : policy(stepObs, active.length);
    const still: Rollout<S>[] = [];
    active.forEach((r, i) => {
      const action = probs ? sampleRow(probs, i, A, rng).action : r.firstAction;
      for (let j = 0; j < obsSize; j++) obs.push(stepObs[i * obsSize + j]!);
      actions.push(action);
      weights.push(discount * r.scale);
      pairIdx.push(r.pair);
      if (t + 1 < options.rolloutSteps) {
        const result = env.step(r.state, action, rng);
        if (!result.done) still.push({ ...r, state: result.state });
      }
    });
    active = still;
    discount *= options.gamma;
  }
  return {
    obs: Float32Array.from(obs),
    actions: Int32Array.from(actions),
    weights: Float32Array.from(weights),
    pair: Int32Array.from(pairIdx),
    count: actions.length,
  };
}

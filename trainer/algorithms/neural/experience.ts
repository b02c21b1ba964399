import type { Rng } from '../../core/rng';
import type { Env } from '../../envs/types';
import { makeSegment, type Segment } from '../../preference/types';

/**
 * Experience with the current soft policy: parallel episodes stepped together (one policy
 * forward pass per step for all of them), the transitions they produce, and segments cut from
 * those fresh trajectories for the teacher.
 */

/**
 * Action probabilities for a batch of observations.
 * obs: [n * obsSize] row-major; returns [n * numActions] row-major.
 */
export type BatchPolicy = (obs: Float32Array, n: number) => Float32Array;

/** One environment step of the behaviour policy. */
export interface Transition<S = unknown> {
  state: S;
  obs: number[];
  action: number;
  /** log pi(action | state) under the behaviour policy (stored with segments). */
  logProb: number;
  /** TRUE reward: the teacher and the metrics read it, the learner never does. */
  trueReward: number;
  nextState: S;
  nextObs: number[];
  /** The episode ended after this step (terminal state or time limit). */
  done: boolean;
  /**
   * The episode was cut by the time limit, not by a terminal state: the learner must bootstrap
   * through it (the future did not end, we stopped watching), and a segment must not end here
   * (the teacher would read the cut as a failure).
   */
  truncated: boolean;
  /** Which episode (unique within a collector) and the step's index in it. */
  episode: number;
  t: number;
}

/** Draws a categorical action from row `row` of a row-major probability matrix. */
export function sampleRow(probs: Float32Array, row: number, numActions: number, rng: Rng): { action: number; logProb: number } {
  const p = probs.subarray(row * numActions, (row + 1) * numActions);
  if (!(p[0]! >= 0)) throw new Error(`the soft policy returned ${p[0]} as a probability: the Q network diverged (lower the learning rates or the reward scale)`);
  const action = rng.categorical(p);
  return { action, logProb: Math.log(Math.max(p[action]!, 1e-30)) };
}

/** Rows of observations packed row-major [rows, obsSize] (the continuous collector uses it too). */
export function packObs(rows: readonly (readonly number[])[], obsSize: number): Float32Array {
  const out = new Float32Array(rows.length * obsSize);
  rows.forEach((o, i) => out.set(o, i * obsSize));
  return out;
}

/**
 * Keeps `numEnvs` episodes running across calls (an outer iteration's collection continues the
 * episodes the previous one left unfinished), so long episodes of a good policy are not cut.
 *
 * `persistence` rho (default 0: plain soft-policy sampling) is temporally extended exploration
 * (Dabney, Ostrovski & Barreto 2021, "Temporally-extended epsilon-greedy exploration"): at each
 * step the previous action of the episode is repeated with probability rho, else an action is
 * drawn from pi, so actions come in runs of mean length 1 / (1 - rho). Where a goal needs a long
 * consistent push (mountaincar: a uniformly random policy never reaches the flag in 200 steps,
 * runs of ~15 steps reach it in ~8% of episodes) per-step sampling never finds the reward at
 * all. The behaviour log-probability of each action, rho [a = prev] + (1 - rho) pi(a|s), is
 * stored with it; the Q-learner is off-policy, so it learns pi's values from these steps.
 */
export class ExperienceCollector<S> {
  private states: S[] = [];
  private steps: number[] = [];
  private episodeIds: number[] = [];
  /** The action of each running episode's previous step (-1 at its start). */
  private lastActions: number[] = [];
  private nextEpisode = 0;
  /** True returns of the episodes finished so far (metrics only). */
  readonly finishedReturns: number[] = [];
  private runningReturns: number[] = [];

  constructor(private readonly env: Env<S>, private readonly numEnvs: number, private readonly rng: Rng, private readonly persistence = 0) {
    if (!(persistence >= 0 && persistence < 1)) throw new Error(`experience: action persistence must be in [0, 1), got ${persistence}`);
    for (let i = 0; i < numEnvs; i++) this.startEpisode(i);
  }

  private startEpisode(i: number): void {
    this.states[i] = this.env.reset(this.rng);
    this.steps[i] = 0;
    this.episodeIds[i] = this.nextEpisode++;
    this.runningReturns[i] = 0;
    this.lastActions[i] = -1;
  }

  /** The behaviour's action for env `i` (row `i` of `probs`): pi's, or the previous one repeated. */
  private act(probs: Float32Array, i: number, numActions: number): { action: number; logProb: number } {
    const rho = this.persistence, prev = this.lastActions[i]!;
    // No extra draw without persistence: the random stream (and every result) stays as before.
    if (rho === 0 || prev < 0) return sampleRow(probs, i, numActions, this.rng);
    const action = this.rng.next() < rho ? prev : sampleRow(probs, i, numActions, this.rng).action;
    const p = (action === prev ? rho : 0) + (1 - rho) * probs[i * numActions + action]!;
    return { action, logProb: Math.log(Math.max(p, 1e-30)) };
  }

  /** Steps every running episode `ceil(totalSteps / numEnvs)` times; returns the transitions in time order. */
  collect(policy: BatchPolicy, totalSteps: number): Transition<S>[] {
    const A = this.env.actionNames.length, obsSize = this.env.observationSize;
    const out: Transition<S>[] = [];
    const rounds = Math.ceil(totalSteps / this.numEnvs);
    for (let r = 0; r < rounds; r++) {
      const obsRows = this.states.map((s) => this.env.observe(s));
      const probs = policy(packObs(obsRows, obsSize), this.numEnvs);
      for (let i = 0; i < this.numEnvs; i++) {
        const state = this.states[i]!;
        const { action, logProb } = this.act(probs, i, A);
        this.lastActions[i] = action;
        const result = this.env.step(state, action, this.rng);
        const t = this.steps[i]!;
        const truncated = result.done && t + 1 >= this.env.maxEpisodeSteps;
        out.push({
          state, obs: obsRows[i]!, action, logProb, trueReward: result.reward,
          nextState: result.state, nextObs: this.env.observe(result.state),
          done: result.done, truncated, episode: this.episodeIds[i]!, t,
        });
        this.runningReturns[i] = this.runningReturns[i]! + result.reward;
        if (result.done) {
          this.finishedReturns.push(this.runningReturns[i]!);
          this.startEpisode(i);
        } else {
          this.states[i] = result.state;
          this.steps[i] = t + 1;
        }
      }
    }
    return out;
  }
}

/**
 * Mean true return of `episodes` full episodes of the soft policy (sampled actions, as the
 * policy the bilevel problem defines), run in parallel. Metrics only.
 */
export function evaluateReturn<S>(env: Env<S>, policy: BatchPolicy, episodes: number, rng: Rng): number {
  return evaluateReturns(env, policy, episodes, rng).trueReturn;
}

/** r(o, a) for a batch of observations and actions (a reward model's predictions). */
export type BatchReward = (obs: Float32Array, actions: Int32Array) => ArrayLike<number>;

/**
 * evaluateReturn's episodes, with the mean episode return under `learned` too (sum_t r_x(s_t, a_t)
 * along the same episodes; null without it): the neural analogue of the tabular
 * 'return/learned', read beside the true return it tracks (or not: reward hacking). The learned
 * reward draws no random numbers, so the episodes, and the true return, are the same with or
 * without it.
 */
export function evaluateReturns<S>(
  env: Env<S>, policy: BatchPolicy, episodes: number, rng: Rng, learned?: BatchReward,
): { trueReturn: number; learnedReturn: number | null } {
  const A = env.actionNames.length, obsSize = env.observationSize;
  const states = Array.from({ length: episodes }, () => env.reset(rng));
  const returns = new Float64Array(episodes), learnedReturns = new Float64Array(episodes);
  let active = states.map((_, i) => i);
  for (let t = 0; t < env.maxEpisodeSteps && active.length > 0; t++) {
    const obs = packObs(active.map((i) => env.observe(states[i]!)), obsSize);
    const probs = policy(obs, active.length);
    const still: number[] = [];
    const actions = new Int32Array(active.length);
    active.forEach((i, row) => {
      const { action } = sampleRow(probs, row, A, rng);
      actions[row] = action;
      const result = env.step(states[i]!, action, rng);
      returns[i] = returns[i]! + result.reward;
      states[i] = result.state;
      if (!result.done) still.push(i);
    });
    if (learned) {
      const r = learned(obs, actions);
      active.forEach((i, row) => { learnedReturns[i] = learnedReturns[i]! + r[row]!; });
    }
    active = still;
  }
  const mean = (v: Float64Array) => v.reduce((s, x) => s + x, 0) / Math.max(episodes, 1);
  return { trueReturn: mean(returns), learnedReturn: learned ? mean(learnedReturns) : null };
}

/**
 * The greedy policy argmax_a pi(a|s) of `policy` (ties to the lowest action), as a BatchPolicy
 * with one-hot rows. Evaluation only: it shows whether the soft policy's sampled actions are what
 * ends episodes (SAC-style papers report the deterministic policy).
 */
export function greedyPolicy(policy: BatchPolicy, numActions: number): BatchPolicy {
  return (obs, n) => {
    const probs = policy(obs, n);
    const out = new Float32Array(n * numActions);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let a = 1; a < numActions; a++) if (probs[i * numActions + a]! > probs[i * numActions + best]!) best = a;
      out[i * numActions + best] = 1;
    }
    return out;
  };
}

/** Per episode, the indices of its transitions in order (episodes interleave across envs). */
export function indicesByEpisode(transitions: ReadonlyArray<{ episode: number }>): number[][] {
  const byEpisode = new Map<number, number[]>();
  transitions.forEach((tr, i) => {
    const list = byEpisode.get(tr.episode) ?? [];
    list.push(i);
    byEpisode.set(tr.episode, list);
  });
  return [...byEpisode.values()];
}

/**
 * Segments of up to `horizon` steps cut from fresh transitions (all from the current policy).
 * A start is valid when the next `horizon` steps of its episode were all collected, or the
 * episode reached a TERMINAL state before that (the segment is then shorter: falling early is
 * what a shorter cartpole clip means). Segments running into the end of the collected data or
 * into a time-limit cut are never used: their missing steps would read as a failure.
 */
export function validSegmentStarts(transitions: readonly Transition[], horizon: number): number[] {
  const starts: number[] = [];
  for (const list of indicesByEpisode(transitions)) {
    for (let j = 0; j < list.length; j++) {
      let ok = false;
      for (let h = 0; h < horizon; h++) {
        const idx = list[j + h];
        if (idx === undefined) break; // ran out of collected data
        const tr = transitions[idx]!;
        if (tr.done) { ok = !tr.truncated || h === horizon - 1; break; }
        if (h === horizon - 1) ok = true;
      }
      if (ok) starts.push(list[j]!);
    }
  }
  return starts;
}

/** The segment starting at transition `start` (must be a valid start). */
export function cutSegment<S>(envId: string, transitions: readonly Transition<S>[], start: number, horizon: number): Segment<S> {
  const first = transitions[start]!;
  const states: S[] = [first.state];
  const actions: number[] = [], trueRewards: number[] = [], logProbs: number[] = [];
  let done = false;
  for (let i = start; i < transitions.length && actions.length < horizon && !done; i++) {
    const tr = transitions[i]!;
    if (tr.episode !== first.episode) continue;
    actions.push(tr.action);
    trueRewards.push(tr.trueReward);
    logProbs.push(tr.logProb);
    states.push(tr.nextState);
    done = tr.done;
  }
  return makeSegment({ envId, states, actions, trueRewards, logProbs, done });
}

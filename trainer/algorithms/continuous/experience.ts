import type { Rng } from '../../core/rng';
import type { AnyContinuousEnv } from '../../envs/types';
import { logHalfWidths, toEnvAction } from './action-box';
import { indicesByEpisode, packObs } from '../neural/experience';

/**
 * Experience with the current SAC policy on a continuous-action env: parallel episodes stepped
 * together (one actor pass per step for all), the transitions they produce, and clips (segments)
 * cut from them. Continuous envs have fixed-length episodes (no early termination inside a clip:
 * a clip's length must not leak its reward), so every clip of a run has `horizon` steps.
 */

/** Normalised actions (-1..1) and their log-probabilities for `rows` observations [rows, obsSize]. */
export type ContinuousPolicy = (obs: Float32Array, rows: number, rng: Rng) => { actions: Float32Array; logProb: Float32Array };

export interface ContinuousTransition<S = unknown> {
  state: S;
  obs: number[];
  /** The action in the env's units (what the env stepped, what a clip stores). */
  action: number[];
  /** The same action normalised to (-1, 1) (what the learners see). */
  normalisedAction: number[];
  /** log pi(action | state), in env units. */
  logProb: number;
  /** TRUE reward: teachers, metrics and the oracle read it; the learners never do. */
  trueReward: number;
  nextState: S;
  nextObs: number[];
  done: boolean;
  /** Cut by the time limit (bootstrapped through), not a terminal state. */
  truncated: boolean;
  episode: number;
  t: number;
}

/** A clip of a continuous env: states[0..H], actions[0..H-1] (vectors, env units). */
export interface ContinuousSegment<S = unknown> {
  readonly envId: string;
  readonly states: readonly S[];
  readonly actions: readonly (readonly number[])[];
  readonly trueRewards: readonly number[];
  readonly logProbs: readonly number[];
  readonly done: boolean;
}

export interface ContinuousLabeledPair<S = unknown> {
  readonly first: ContinuousSegment<S>;
  readonly second: ContinuousSegment<S>;
  readonly y: number;
}

/**
 * Keeps `numEnvs` episodes running across calls, as the discrete collector does.
 * `episodeSteps` (at most the env's `maxEpisodeSteps`, the default) cuts collection episodes
 * shorter: a time limit like the env's own (the step is marked truncated, bootstrapped through by
 * SAC, never crossed by a clip), the same for every episode whatever happens in it, so it tells
 * the teacher nothing about a clip's return. Evaluation (evaluateContinuous) always runs the
 * env's full episode.
 */
export class ContinuousCollector<S> {
  private states: S[] = [];
  private steps: number[] = [];
  private episodeIds: number[] = [];
  private nextEpisode = 0;
  private readonly logJacobian: number;
  private readonly episodeSteps: number;

  constructor(private readonly env: AnyContinuousEnv, private readonly numEnvs: number, private readonly rng: Rng, episodeSteps?: number) {
    this.logJacobian = logHalfWidths(env.actionSpace);
    this.episodeSteps = Math.min(episodeSteps ?? env.maxEpisodeSteps, env.maxEpisodeSteps);
    if (!Number.isInteger(this.episodeSteps) || this.episodeSteps < 1) throw new Error(`collection episode length must be a positive integer, got ${episodeSteps}`);
    for (let i = 0; i < numEnvs; i++) this.startEpisode(i);
  }

  private startEpisode(i: number): void {
    this.states[i] = this.env.reset(this.rng) as S;
    this.steps[i] = 0;
    this.episodeIds[i] = this.nextEpisode++;
  }

  /** ceil(totalSteps / numEnvs) rounds of every running episode, in time order. */
  collect(policy: ContinuousPolicy, totalSteps: number): ContinuousTransition<S>[] {
    const { env } = this;
    const A = env.actionSpace.low.length;
    const out: ContinuousTransition<S>[] = [];
    const rounds = Math.ceil(totalSteps / this.numEnvs);
    for (let r = 0; r < rounds; r++) {
      const obsRows = this.states.map((s) => env.observe(s));
      const { actions, logProb } = policy(packObs(obsRows, env.observationSize), this.numEnvs, this.rng);
      for (let i = 0; i < this.numEnvs; i++) {
        const state = this.states[i]!;
        const normalisedAction = Array.from(actions.subarray(i * A, (i + 1) * A));
        const action = toEnvAction(env.actionSpace, normalisedAction);
        const result = env.step(state, action, this.rng);
        const t = this.steps[i]!;
        const cut = t + 1 >= this.episodeSteps;
        const done = result.done || cut;
        const truncated = done && (cut || t + 1 >= env.maxEpisodeSteps);
        out.push({
          state, obs: obsRows[i]!, action, normalisedAction, logProb: logProb[i]! - this.logJacobian, trueReward: result.reward,
          nextState: result.state as S, nextObs: env.observe(result.state), done, truncated, episode: this.episodeIds[i]!, t,
        });
        if (done) this.startEpisode(i);
        else {
          this.states[i] = result.state as S;
          this.steps[i] = t + 1;
        }
      }
    }
    return out;
  }
}

/**
 * Starts (indices into `transitions`) of every run of `horizon` consecutive steps of one episode
 * that neither runs past the collected data nor crosses a time-limit cut.
 */
export function continuousSegmentStarts(transitions: readonly ContinuousTransition[], horizon: number): number[] {
  const starts: number[] = [];
  for (const list of indicesByEpisode(transitions)) {
    for (let j = 0; j + horizon <= list.length; j++) {
      let ok = true;
      for (let h = 0; h < horizon - 1; h++) if (transitions[list[j + h]!]!.done) { ok = false; break; }
      if (ok) starts.push(list[j]!);
    }
  }
  return starts;
}

/** The `horizon`-step segment starting at transition `start` (a valid start). */
export function cutContinuousSegment<S>(envId: string, transitions: readonly ContinuousTransition<S>[], start: number, horizon: number): ContinuousSegment<S> {
  const first = transitions[start]!;
  const states: S[] = [first.state];
  const actions: number[][] = [], trueRewards: number[] = [], logProbs: number[] = [];
  let done = false;
  for (let i = start; i < transitions.length && actions.length < horizon && !done; i++) {
    const tr = transitions[i]!;
    if (tr.episode !== first.episode) continue;
    actions.push(tr.action);
    trueRewards.push(tr.trueReward);
    logProbs.push(tr.logProb);
    states.push(tr.nextState);
    done = tr.done && !tr.truncated;
  }
  return { envId, states, actions, trueRewards, logProbs, done };
}

/** `count` pairs of `horizon`-step clips cut from `pool` at uniformly drawn valid starts (none when no start is valid). */
export function randomClipPairs<S>(envId: string, pool: readonly ContinuousTransition<S>[], horizon: number, count: number, rng: Rng): Array<[ContinuousSegment<S>, ContinuousSegment<S>]> {
  const starts = continuousSegmentStarts(pool, horizon);
  if (starts.length === 0) return [];
  const cut = () => cutContinuousSegment(envId, pool, starts[rng.int(starts.length)]!, horizon);
  return Array.from({ length: count }, () => [cut(), cut()] as [ContinuousSegment<S>, ContinuousSegment<S>]);
}

/**
 * Mean true return of `episodes` full episodes of `policy` (sampled, or deterministic tanh(mu)
 * when the policy is given a null rng by the caller), and the learned return under `learned`.
 */
export function evaluateContinuous(
  env: AnyContinuousEnv, policy: ContinuousPolicy, episodes: number, rng: Rng,
  learned?: (obs: Float32Array, normalisedActions: Float32Array, rows: number) => ArrayLike<number>,
): { trueReturn: number; learnedReturn: number | null } {
  const O = env.observationSize, A = env.actionSpace.low.length;
  const states = Array.from({ length: episodes }, () => env.reset(rng));
  const returns = new Float64Array(episodes), learnedReturns = new Float64Array(episodes);
  let active = states.map((_, i) => i);
  for (let t = 0; t < env.maxEpisodeSteps && active.length > 0; t++) {
    const obs = packObs(active.map((i) => env.observe(states[i])), O);
    const { actions } = policy(obs, active.length, rng);
    const still: number[] = [];
    active.forEach((i, row) => {
      const result = env.step(states[i], toEnvAction(env.actionSpace, actions, row * A), rng);
      returns[i] = returns[i]! + result.reward;
      states[i] = result.state;
      if (!result.done) still.push(i);
    });
    if (learned) {
      const r = learned(obs, actions, active.length);
      active.forEach((i, row) => { learnedReturns[i] = learnedReturns[i]! + r[row]!; });
    }
    active = still;
  }
  const mean = (v: Float64Array) => v.reduce((s, x) => s + x, 0) / Math.max(episodes, 1);
  return { trueReturn: mean(returns), learnedReturn: learned ? mean(learnedReturns) : null };
}

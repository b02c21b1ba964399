/**
 * Stored clips and labels as the learners see them, and clips as they are stored, for both
 * engines (tabular and neural).
 */
import { makeRng } from '../core/rng';
import { getContinuousEnv, getEnv } from '../envs';
import { makeSegment, type PreferenceLabel, type Segment } from '../preference/types';
import type { ClipData, PairSpec } from './store';
import { isContinuousActions, type ClipActions } from '../contracts/clip-actions';

/** A stored clip as a Segment (true rewards are never read by the learner: zeros keep it well-formed). */
export function clipSegment(envId: string, clip: ClipData): Segment {
  const { actions } = clip;
  if (isContinuousActions(actions)) throw new Error(`a clip of '${envId}' holds action vectors; this needs a discrete-action clip (continuous runs read clips with continuousClipSegment)`);
  return makeSegment({
    envId,
    states: clip.states,
    actions,
    trueRewards: clip.actions.map(() => 0),
    logProbs: clip.logProbs,
    done: false,
  });
}

/** A clip as an annotator is shown it: the env, the states and the actions. */
export interface ClipLike {
  envId: string;
  states: readonly unknown[];
  /** Indices (discrete envs) or vectors (continuous envs). */
  actions: ClipActions;
}

/**
 * The clip as a scripted teacher judges it (the service's simulated annotators and `simulate`):
 * true rewards replayed from its states and actions (env.step's reward depends on (state,
 * action) only, which holds for every registered env).
 */
export function clipToSegment(clip: ClipLike): Segment {
  // env.step draws the next state from the rng; only its reward is used here.
  const rng = makeRng(0);
  const { actions } = clip;
  if (isContinuousActions(actions)) {
    // The teacher reads true rewards only; a continuous clip's vectors stay out of the Segment.
    const env = getContinuousEnv(clip.envId);
    const trueRewards = actions.map((a, h) => env.step(clip.states[h], a, rng).reward);
    return makeSegment({ envId: clip.envId, states: clip.states, actions: actions.map(() => 0), trueRewards, logProbs: actions.map(() => 0), done: false });
  }
  const env = getEnv(clip.envId);
  const trueRewards = actions.map((a, h) => env.step(clip.states[h], a, rng).reward);
  return makeSegment({ envId: clip.envId, states: clip.states, actions, trueRewards, logProbs: actions.map(() => 0), done: false });
}

const PREFERENCE_LEVELS: readonly PreferenceLabel[] = [0, 0.25, 0.5, 0.75, 1];

/**
 * A stored label's P(first preferred) as the Bradley-Terry target, passed through as it was
 * stored: 1 / 0 (much better), 0.75 / 0.25 (slightly better, runs with preference strength),
 * 0.5 (equal). Any other value (a hand-edited row) snaps to the nearest of those levels.
 */
export function toPreference(y: number): PreferenceLabel {
  let best: PreferenceLabel = 0.5;
  for (const level of PREFERENCE_LEVELS) if (Math.abs(level - y) < Math.abs(best - y)) best = level;
  return best;
}

/** A clip drawn from the policy as it is stored: states, actions, the behaviour log-probabilities and the true return. */
export function toClipSpec(segment: Segment, seed: number): PairSpec['first'] {
  return {
    seed,
    states: [...segment.states],
    actions: [...segment.actions],
    logProbs: [...segment.logProbs],
    trueReturn: segment.trueRewards.reduce((s, r) => s + r, 0),
  };
}

/** Labels on pairs someone flagged as broken stay out of training (the predicate lives in db/). */
export { pairNotFlagged } from '../../db/flags';

/**
 * Stored clips and labels as the learners see them, and clips as they are stored, for both
 * engines (tabular and neural).
 */
import { makeSegment, type PreferenceLabel, type Segment } from '../preference/types';
import type { ClipData, PairSpec } from './store';

/** A stored clip as a Segment (true rewards are never read by the learner: zeros keep it well-formed). */
export function clipSegment(envId: string, clip: ClipData): Segment {
  return makeSegment({
    envId,
    states: clip.states,
    actions: clip.actions,
    trueRewards: clip.actions.map(() => 0),
    logProbs: clip.logProbs,
    done: false,
  });
}

/** A stored label's P(first preferred) as the Bradley-Terry target: 1, 0, or 0.5 (equal). */
export function toPreference(y: number): PreferenceLabel {
  return y >= 0.75 ? 1 : y <= 0.25 ? 0 : 0.5;
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

/**
 * The data that flows through the RLHF loop. Immutable once built; `makeSegment` validates.
 *
 * A segment (a "clip") of H steps: states[0..H] (the last is the state reached after the last
 * action), actions[0..H-1], the environment's true rewards[0..H-1] (for teachers and metrics
 * only) and the behaviour policy's log-probabilities of the actions (for importance weights).
 * A segment is shorter than H when the episode ended inside it (`done` is then true).
 */
export interface Segment<S = unknown> {
  readonly envId: string;
  readonly states: readonly S[];
  readonly actions: readonly number[];
  readonly trueRewards: readonly number[];
  readonly logProbs: readonly number[];
  readonly done: boolean;
}

/**
 * y = P(first preferred): 1 prefers `first`, 0 prefers `second`, 0.5 = equally good; 0.75 / 0.25
 * = `first` / `second` slightly better (runs with preference strength; a soft Bradley-Terry target).
 */
export type PreferenceLabel = 1 | 0.75 | 0.5 | 0.25 | 0;

export interface LabeledPair<S = unknown> {
  readonly first: Segment<S>;
  readonly second: Segment<S>;
  readonly y: PreferenceLabel;
}

export function makeSegment<S>(seg: Segment<S>): Segment<S> {
  const h = seg.actions.length;
  if (seg.states.length !== h + 1) {
    throw new Error(`segment: states.length must be actions.length + 1 (${h + 1}), got ${seg.states.length}`);
  }
  if (seg.trueRewards.length !== h) throw new Error(`segment: trueRewards.length must be ${h}, got ${seg.trueRewards.length}`);
  if (seg.logProbs.length !== h) throw new Error(`segment: logProbs.length must be ${h}, got ${seg.logProbs.length}`);
  return Object.freeze({ ...seg });
}

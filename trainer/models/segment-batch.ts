/**
 * Segments (clips) packed for one forward pass of a reward model: M segments padded to a common
 * length H, flattened row-major so that `obs` reshapes to [M * H, obsSize]. Steps past the end of
 * a shorter segment (the episode ended inside it) carry mask 0 and contribute nothing to its return.
 */
export interface SegmentBatch {
  /** M, the number of segments. */
  readonly count: number;
  /** H, the padded length (steps per segment). */
  readonly length: number;
  readonly obsSize: number;
  /** [M * H * obsSize]: obs[(m * H + h) * obsSize + j], the observation at step h of segment m. */
  readonly obs: Float32Array;
  /** [M * H]: the action taken at step h of segment m (0 on padding). */
  readonly actions: Int32Array;
  /** [M * H]: 1 on real steps, 0 on padding. */
  readonly mask: Float32Array;
}

/** One segment as plain arrays: observations[h] (length obsSize) and actions[h], h < its length. */
export interface SegmentSteps {
  readonly observations: readonly (readonly number[] | Float32Array)[];
  readonly actions: readonly number[];
}

/**
 * Packs segments into a `SegmentBatch`. `length` defaults to the longest segment; a segment longer
 * than `length` is an error (silently truncating would change the labelled return).
 */
export function makeSegmentBatch(segments: readonly SegmentSteps[], obsSize: number, length?: number): SegmentBatch {
  const H = length ?? Math.max(1, ...segments.map((s) => s.actions.length));
  const M = segments.length;
  const obs = new Float32Array(M * H * obsSize);
  const actions = new Int32Array(M * H);
  const mask = new Float32Array(M * H);
  segments.forEach((seg, m) => {
    if (seg.actions.length > H) throw new Error(`segment ${m} has ${seg.actions.length} steps, more than the batch length ${H}`);
    if (seg.observations.length < seg.actions.length) {
      throw new Error(`segment ${m}: ${seg.observations.length} observations for ${seg.actions.length} actions`);
    }
    seg.actions.forEach((a, h) => {
      const o = seg.observations[h]!;
      if (o.length !== obsSize) throw new Error(`segment ${m} step ${h}: observation has ${o.length} values, expected ${obsSize}`);
      obs.set(o, (m * H + h) * obsSize);
      actions[m * H + h] = a;
      mask[m * H + h] = 1;
    });
  });
  return { count: M, length: H, obsSize, obs, actions, mask };
}

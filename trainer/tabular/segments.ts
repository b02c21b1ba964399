/**
 * Exact enumeration of H-step segments d = ((s_0, a_0), ..., (s_{H-1}, a_{H-1})) of a tabular
 * policy, with probabilities
 *   P(d) = rho(s_0) * prod_h pi(a_h | s_h) * prod_{h < H-1} P(s_{h+1} | s_h, a_h).
 * The state after the last action does not enter any segment reward, so it is summed out.
 *
 * Segments are grouped by (R_x(d), Rbar(d)) (learned and true segment returns): the preference
 * loss of a pair depends only on those two numbers, so the O(G^2) pair sum runs over groups.
 * Both returns are summed over the segment's (s, a) indices in sorted order, so that segments
 * visiting the same multiset of (s, a) get bitwise identical sums and land in one group.
 */
import type { TabularMdp } from './soft';

/** The exact expectation refuses problems with more than this many candidate segments, (S*A)^H. */
export const MAX_SEGMENT_CANDIDATES = 200_000;

export class ProblemTooLargeError extends Error {}

export interface SegmentEnumeration {
  H: number;
  /** Number of segments with nonzero probability. */
  count: number;
  /** (s*A + a) indices of segment i: sa[i*H + h]. */
  sa: Int32Array;
  prob: Float64Array;
  group: Int32Array;
  /** Per group: total probability, R_x and Rbar. */
  groupProb: Float64Array;
  groupReward: Float64Array;
  groupTrueReward: Float64Array;
}

/** (S*A)^H, or Infinity once it passes the limit (no overflow for large H). */
export function segmentCandidates(S: number, A: number, H: number): number {
  let total = 1;
  for (let h = 0; h < H; h++) {
    total *= S * A;
    if (total > MAX_SEGMENT_CANDIDATES) return Infinity;
  }
  return total;
}

export function enumerateSegments(
  mdp: TabularMdp,
  pi: Float64Array,
  rho: Float64Array,
  reward: Float64Array,
  trueReward: Float64Array,
  H: number,
): SegmentEnumeration {
  const { S, A, P } = mdp;
  if (!(Number.isInteger(H) && H >= 1)) throw new Error(`horizon must be an integer >= 1, got ${H}`);
  if (segmentCandidates(S, A, H) > MAX_SEGMENT_CANDIDATES) {
    throw new ProblemTooLargeError(
      `upper.horizon: the exact expectation enumerates (S*A)^H = (${S}*${A})^${H} > ${MAX_SEGMENT_CANDIDATES} segments; ` +
        'use a shorter horizon or a smaller problem (or the sampled estimator)',
    );
  }
  const saList: number[] = [];
  const probList: number[] = [];
  const groupList: number[] = [];
  const groupIndex = new Map<string, number>();
  const groupProb: number[] = [];
  const groupReward: number[] = [];
  const groupTrueReward: number[] = [];
  const path = new Int32Array(H);
  const sorted = new Int32Array(H);

  const leaf = (q: number) => {
    sorted.set(path);
    sorted.sort();
    let rx = 0, rbar = 0;
    for (let h = 0; h < H; h++) { rx += reward[sorted[h]!]!; rbar += trueReward[sorted[h]!]!; }
    const key = `${rx}|${rbar}`;
    let g = groupIndex.get(key);
    if (g === undefined) {
      g = groupProb.length;
      groupIndex.set(key, g);
      groupProb.push(0); groupReward.push(rx); groupTrueReward.push(rbar);
    }
    groupProb[g] = groupProb[g]! + q;
    for (let h = 0; h < H; h++) saList.push(path[h]!);
    probList.push(q);
    groupList.push(g);
  };

  const visit = (h: number, s: number, q: number): void => {
    for (let a = 0; a < A; a++) {
      const sa = s * A + a;
      const qa = q * pi[sa]!;
      if (qa === 0) continue; // only sequences with nonzero probability
      path[h] = sa;
      if (h === H - 1) { leaf(qa); continue; }
      for (let s2 = 0; s2 < S; s2++) {
        const p = P[sa * S + s2]!;
        if (p !== 0 && qa * p !== 0) visit(h + 1, s2, qa * p);
      }
    }
  };
  for (let s = 0; s < S; s++) if (rho[s]! > 0) visit(0, s, rho[s]!);

  return {
    H,
    count: probList.length,
    sa: Int32Array.from(saList),
    prob: Float64Array.from(probList),
    group: Int32Array.from(groupList),
    groupProb: Float64Array.from(groupProb),
    groupReward: Float64Array.from(groupReward),
    groupTrueReward: Float64Array.from(groupTrueReward),
  };
}

/**
 * The exploration half of one upper level's hyper-gradient estimates (upper-level.ts), with what
 * stays fixed while the reward weights x move computed once. The policy, the rollouts and the
 * fresh pairs are fixed during one upper level, so the rows (exploration-rows.ts) and the fresh
 * pairs are packed into network inputs once; each step only re-scores them with the current r_x:
 *   explore(x) = sum_rows coef_x[pair] * weight * grad r_x(o, a),  coef_x = tau^-1 stopgrad(l_x - b_x).
 * explore(x) depends on x alone, so the last three weight vectors' results are kept: Stoc-SoBiRL
 * evaluates its estimate at x_t and, one step later, again at x_t as the previous weights, and
 * that second evaluation is a lookup. (Three, not two: an upper level's first step also
 * evaluates at the previous level's last weights, which enter after x_t.) The arithmetic is the uncached path's, so results are
 * bit-identical (continuous-upper-cache.test.ts).
 */
import { explorationCoefficients } from '../neural/neural-rlhf';
import type { ContinuousExplorationRows } from './exploration-rows';
import type { ContinuousPairBatch, ContinuousRewardModel, PackedPairInputs } from './reward-model';

interface Remembered {
  /** The weights' bits (so -0 and 0, or two NaNs, are told apart as the kernel would). */
  params: Int32Array;
  explore: Float32Array;
}

export class ExplorationTerm {
  private readonly rowInputs: Float32Array;
  private readonly fresh: PackedPairInputs;
  private readonly rowWeights: Float32Array;
  private readonly remembered: Remembered[] = [];
  /** How many times explore(x) was computed (not looked up). */
  evaluations = 0;

  constructor(
    private readonly model: ContinuousRewardModel,
    private readonly rows: ContinuousExplorationRows,
    fresh: ContinuousPairBatch,
    private readonly tau: number,
    private readonly baseline: boolean,
  ) {
    this.rowInputs = model.packInputs(rows.obs, rows.actions, rows.count);
    this.fresh = model.packPairInputs(fresh);
    this.rowWeights = new Float32Array(rows.count);
  }

  /** explore(x) at the model's current weights (a new array the caller may keep). */
  gradient(): Float32Array {
    // A copy: the forward passes below may grow the network's memory, which detaches views of it.
    const params = this.model.net.params();
    const bits = new Int32Array(params.buffer, params.byteOffset, params.length).slice();
    const hit = this.remembered.find((r) => sameBits(r.params, bits));
    if (hit) return hit.explore.slice();
    const coef = explorationCoefficients(this.model.pairLossesOfInputs(this.fresh), this.tau, this.baseline);
    const { weights, pair, count } = this.rows, w = this.rowWeights;
    for (let i = 0; i < count; i++) w[i] = weights[i]! * coef[pair[i]!]!;
    const explore = this.model.linearGradientOfInputs(this.rowInputs, w, count);
    this.evaluations++;
    this.remembered.unshift({ params: bits, explore: explore.slice() });
    if (this.remembered.length > 3) this.remembered.pop();
    return explore;
  }
}

function sameBits(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

import type { Rng } from '../core/rng';
import { sigmoid } from '../preference/bradley-terry';
import type { PreferenceLabel, Segment } from '../preference/types';
import { parseTeacherConfig, type TeacherConfig } from './config';
import { myopicReturn, segmentReturn } from './returns';
import { trueRewardJudge, type ClipJudge } from './scripted';

/** A label, or a skipped query (the caller drops it: it is not a label and costs no budget). */
export type TeacherAnswer = { kind: 'label'; y: PreferenceLabel } | { kind: 'skip' };

export interface Teacher {
  readonly config: TeacherConfig;
  /** Labels (first, second) from the rewards its judge perceives (default: the true rewards): y = 1 prefers first, 0 second, 0.5 equal. */
  label(first: Segment, second: Segment, rng: Rng): TeacherAnswer;
  /**
   * P(y = 1) for a query that is neither skipped nor equal: the Boltzmann probability on the
   * myopic returns, then the mistake flip: (1 - eps) * p + eps * (1 - p).
   */
  probabilityFirst(first: Segment, second: Segment): number;
}


/**
 * P(first preferred) of a Boltzmann-rational teacher with rationality beta for a return gap
 * `delta` = R1 - R2. beta = Infinity is the limit: 1 or 0, and 1/2 on an exact tie (the limit
 * of sigmoid(beta * 0) for every beta), so a deterministic teacher breaks ties by a fair coin
 * rather than always favouring the left clip.
 */
export function boltzmannFirst(beta: number, delta: number): number {
  if (beta === Infinity) return delta > 0 ? 1 : delta < 0 ? 0 : 0.5;
  return sigmoid(beta * delta);
}

/**
 * A scripted annotator. The rules apply in this order (as B-Pref's labeller does):
 * 1. skip   - max(R1, R2) < skipThreshold: both clips are bad, there is nothing to judge, so
 *             no label at all (nothing later can apply to a query that is not answered);
 * 2. equal  - |R1 - R2| < equalThreshold: y = 0.5. Equality is a judgement on the true returns
 *             and a slip of the hand does not turn "equal" into a preference (B-Pref overwrites
 *             the equal queries after its flips, which is the same thing);
 * 3. choose - y = 1 with probability sigmoid(beta * (R1m - R2m)) on the MYOPIC returns;
 * 4. mistake- flip y with probability epsilon, independently of how clear the choice was:
 *             a mistake is an accident, not a judgement, so it comes after the choice.
 * Skip and equal use the plain sums R (B-Pref's definitions), only the choice is myopic.
 * R is the sum of the per-step rewards `judge` perceives: the true rewards by default, the
 * scripted judgement (scripted.ts) where the true reward is silent.
 */
export function makeTeacher(config: Partial<TeacherConfig> = {}, judge: ClipJudge = trueRewardJudge): Teacher {
  const cfg = parseTeacherConfig(config);
  const choiceProbability = (first: Segment, second: Segment) =>
    boltzmannFirst(cfg.beta, myopicReturn(judge(first), cfg.myopicGamma) - myopicReturn(judge(second), cfg.myopicGamma));

  return {
    config: cfg,
    probabilityFirst: (first, second) => {
      const p = choiceProbability(first, second);
      return (1 - cfg.mistake) * p + cfg.mistake * (1 - p);
    },
    label: (first, second, rng) => {
      const r1 = segmentReturn(judge(first));
      const r2 = segmentReturn(judge(second));
      if (cfg.skipThreshold !== null && Math.max(r1, r2) < cfg.skipThreshold) return { kind: 'skip' };
      if (Math.abs(r1 - r2) < cfg.equalThreshold) return { kind: 'label', y: 0.5 };
      const p = choiceProbability(first, second);
      // Draw even when p is 0 or 1 so that the rng stream does not depend on the pair.
      let y: 0 | 1 = rng.next() < p ? 1 : 0;
      if (rng.next() < cfg.mistake) y = y === 1 ? 0 : 1;
      return { kind: 'label', y };
    },
  };
}

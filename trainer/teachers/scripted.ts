import { envsWithProgress, getEnv } from '../envs';
import type { Segment } from '../preference/types';
import type { TeacherJudgement } from '../contracts/teacher-names';

/**
 * The per-step rewards a scripted teacher perceives in a clip (Teacher's `judge`): what it sums,
 * discounts (myopia) and compares.
 */
export type ClipJudge = (segment: Segment) => readonly number[];

/** The true reward alone (every teacher's default). */
export const trueRewardJudge: ClipJudge = (segment) => segment.trueRewards;

/**
 * The scripted judgement of a clip, step by step: r_h + w * (p(s_{h+1}) - p(s_h)), where p is
 * the env's progress measure (trainer/envs/types.ts `progress`: mountaincar's and acrobot's
 * swing) and w its weight. Summed over the clip that is R_true + w * (p(last) - p(first)): a
 * person shown two clips that both miss the goal (the same true return) prefers the one that
 * swung higher by its end; where the true return differs (one reached the goal sooner) that
 * difference still counts. The added term is a difference of a potential, so it does not change
 * which policy is optimal for the undiscounted return (Ng, Harada & Russell 1999).
 */
export function scriptedRewards(segment: Segment, weight?: number): number[] {
  const progress = getEnv(segment.envId).progress;
  if (!progress) throw new Error(`no scripted judgement for '${segment.envId}': its env defines no progress measure (${envsWithProgress().join(', ')} do)`);
  const w = weight ?? progress.weight;
  const p = segment.states.map((s) => progress.measure(s));
  return segment.trueRewards.map((r, h) => r + w * (p[h + 1]! - p[h]!));
}

/**
 * The judge of `judgement` (absent = 'true-reward'); `progressWeight` replaces the env's weight
 * of the scripted judgement (a simulation's setting, `simulate --progress-weight`).
 */
export function judgeFor(judgement: TeacherJudgement | undefined, progressWeight?: number): ClipJudge {
  if (judgement !== 'scripted') return trueRewardJudge;
  return progressWeight === undefined ? scriptedRewards : (segment) => scriptedRewards(segment, progressWeight);
}

import { BPREF_TEACHERS, type BPrefTeacherName } from '../contracts/teacher-names';
import type { TeacherConfig } from './config';

export { BPREF_TEACHERS, type BPrefTeacherName };

/**
 * The six B-Pref teachers (Lee et al. 2021, Table 1 and the authors' run scripts). Each differs
 * from the oracle in ONE behaviour, so the effect of that behaviour can be measured alone.
 *
 * Skip and equal thresholds are relative in B-Pref: eps * (the mean true return of a segment),
 * where the mean is measured on the data collected so far (episode return * H / episode length).
 * Here the caller passes that scale, `segmentReturnScale`, since it depends on env and policy.
 */
const ORACLE: TeacherConfig = { beta: Infinity, mistake: 0, skipThreshold: null, equalThreshold: 0, myopicGamma: 1 };

/** Oracle: perfectly rational (beta -> infinity), no mistakes, never skips, never equal. */
export function oracleTeacher(): TeacherConfig {
  return { ...ORACLE };
}

/** Stoc: Boltzmann-rational with beta = 1 (close clips get noisy labels). */
export function stocTeacher(beta = 1): TeacherConfig {
  return { ...ORACLE, beta };
}

/** Mistake: the oracle's label flipped with probability epsilon = 0.1. */
export function mistakeTeacher(epsilon = 0.1): TeacherConfig {
  return { ...ORACLE, mistake: epsilon };
}

/** Skip: no label when both clips' returns are below 0.1 * segmentReturnScale. */
export function skipTeacher(segmentReturnScale: number, fraction = 0.1): TeacherConfig {
  if (!Number.isFinite(segmentReturnScale)) throw new Error(`skipTeacher: segmentReturnScale must be finite, got ${segmentReturnScale}`);
  return { ...ORACLE, skipThreshold: fraction * segmentReturnScale };
}

/** Equal: y = 0.5 when the returns differ by less than 0.1 * |segmentReturnScale|. */
export function equalTeacher(segmentReturnScale: number, fraction = 0.1): TeacherConfig {
  if (!Number.isFinite(segmentReturnScale)) throw new Error(`equalTeacher: segmentReturnScale must be finite, got ${segmentReturnScale}`);
  return { ...ORACLE, equalThreshold: fraction * Math.abs(segmentReturnScale) };
}

/** Myopic: the choice weighs step h by gamma^(H-1-h) with gamma = 0.9 (recent steps count more). */
export function myopicTeacher(gamma = 0.9): TeacherConfig {
  return { ...ORACLE, myopicGamma: gamma };
}

/** A preset by name (for command lines and run configs). */
export function bprefTeacher(name: BPrefTeacherName, segmentReturnScale = 1): TeacherConfig {
  switch (name) {
    case 'oracle': return oracleTeacher();
    case 'stoc': return stocTeacher();
    case 'mistake': return mistakeTeacher();
    case 'skip': return skipTeacher(segmentReturnScale);
    case 'equal': return equalTeacher(segmentReturnScale);
    case 'myopic': return myopicTeacher();
  }
}

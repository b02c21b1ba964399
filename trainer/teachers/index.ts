export { makeTeacher, boltzmannFirst, type Teacher, type TeacherAnswer } from './teacher';
export { parseTeacherConfig, DEFAULT_TEACHER, type TeacherConfig } from './config';
export { segmentReturn, myopicReturn } from './returns';
export {
  oracleTeacher, stocTeacher, mistakeTeacher, skipTeacher, equalTeacher, myopicTeacher,
  bprefTeacher, BPREF_TEACHERS, type BPrefTeacherName,
} from './presets';
export { scriptedRewards, judgeFor, trueRewardJudge, type ClipJudge } from './scripted';

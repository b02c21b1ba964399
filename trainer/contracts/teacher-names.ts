/** The B-Pref scripted-teacher presets by name (trainer/teachers/presets.ts builds them); a run config may name one. */
export const BPREF_TEACHERS = ['oracle', 'stoc', 'mistake', 'skip', 'equal', 'myopic'] as const;
export type BPrefTeacherName = (typeof BPREF_TEACHERS)[number];

/**
 * What a scripted teacher judges a clip by (trainer/teachers/scripted.ts): 'true-reward' = the
 * environment's true reward alone; 'scripted' = the true reward plus the progress a person sees
 * where that reward is silent (the env's `progress`, e.g. mountaincar's swing). Reports name it:
 * results of the two are never mixed.
 */
export const TEACHER_JUDGEMENTS = ['true-reward', 'scripted'] as const;
export type TeacherJudgement = (typeof TEACHER_JUDGEMENTS)[number];

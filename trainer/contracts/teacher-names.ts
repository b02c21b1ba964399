/** The B-Pref scripted-teacher presets by name (trainer/teachers/presets.ts builds them); a run config may name one. */
export const BPREF_TEACHERS = ['oracle', 'stoc', 'mistake', 'skip', 'equal', 'myopic'] as const;
export type BPrefTeacherName = (typeof BPREF_TEACHERS)[number];

import { z } from 'zod';

/**
 * How a scripted teacher behaves: the B-Pref behaviours (Lee et al. 2021, "B-Pref: Benchmarking
 * Preference-Based Reinforcement Learning"). Every field is about the TRUE rewards of the clips.
 */
export interface TeacherConfig {
  /** Boltzmann rationality: P(first) = sigmoid(beta * (R1 - R2)). Infinity = always the better one, 0 = a coin. */
  beta: number;
  /** epsilon: probability of flipping the label after it is drawn (a slip of the hand). */
  mistake: number;
  /** Skip the query when max(R1, R2) < this (both clips bad); null = never skip. */
  skipThreshold: number | null;
  /** |R1 - R2| < this -> y = 0.5 (equally good); 0 = never equal. */
  equalThreshold: number;
  /** Myopia: the choice uses R = sum_h gamma^(H-1-h) r_h, so early steps weigh less; 1 = none. */
  myopicGamma: number;
}

/** The oracle (B-Pref): perfectly rational, no mistakes, never skips, never says equal. */
export const DEFAULT_TEACHER: Readonly<TeacherConfig> = Object.freeze({
  beta: Infinity,
  mistake: 0,
  skipThreshold: null,
  equalThreshold: 0,
  myopicGamma: 1,
});

// zod 4 rejects infinite numbers in z.number(), so Infinity is allowed explicitly for beta only.
const teacherConfigSchema = z.strictObject({
  beta: z.union([z.number().min(0, 'must be >= 0 (Infinity for a deterministic teacher)'), z.literal(Infinity)]),
  mistake: z.number().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]'),
  skipThreshold: z.number().nullable(),
  equalThreshold: z.number().min(0, 'must be >= 0 (0 = never equal)'),
  myopicGamma: z.number().gt(0, 'must be in (0, 1]').max(1, 'must be in (0, 1]'),
});

/**
 * Fills the defaults in and validates. Throws an Error naming the offending field, e.g.
 * `teacher config: mistake: must be in [0, 1] (got 1.5)`.
 */
export function parseTeacherConfig(config: Partial<TeacherConfig>): TeacherConfig {
  // Drop explicit `undefined`s so that they mean "use the default" (as callers spreading options expect).
  const given = Object.fromEntries(Object.entries(config ?? {}).filter(([, v]) => v !== undefined));
  const merged: Record<string, unknown> = { ...DEFAULT_TEACHER, ...given };
  const parsed = teacherConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const messages = parsed.error.issues.map((issue) => {
      const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(config)');
      const got = issue.path.length > 0 ? ` (got ${JSON.stringify(merged[String(issue.path[0])]) ?? 'undefined'})` : '';
      return `${field}: ${issue.message}${got}`;
    });
    throw new Error(`teacher config: ${messages.join('; ')}`);
  }
  return parsed.data;
}

/**
 * An annotator's answer to a pair, written once for the database schema (db/schema.ts), the
 * labeling page, the web server and the trainer's simulated annotators.
 */
export const CHOICES = ['left', 'right', 'equal', 'cant_tell'] as const;
export type Choice = (typeof CHOICES)[number];

/** A gold pair's correct answer: a real preference, so never cant_tell. */
export const GOLD_CHOICES = ['left', 'right', 'equal'] as const;
export type GoldChoice = (typeof GOLD_CHOICES)[number];

/** How much better the preferred clip is, on runs that ask for preference strength. */
export const STRENGTHS = ['much', 'slightly'] as const;
export type Strength = (typeof STRENGTHS)[number];

/**
 * Choice -> P(left preferred), the stored label y; null: the annotator could not tell (kept, but
 * not a preference). With preference strength, "slightly better" is a soft label: left 0.75,
 * right 0.25 (the Bradley-Terry loss takes any y in [0, 1]; trainer/service/label-rows.ts passes
 * it through).
 */
export function choiceToY(choice: Choice, strength: Strength = 'much'): number | null {
  switch (choice) {
    case 'left':
      return strength === 'slightly' ? 0.75 : 1;
    case 'right':
      return strength === 'slightly' ? 0.25 : 0;
    case 'equal':
      return 0.5;
    case 'cant_tell':
      return null;
  }
}

/** A preference y = P(left preferred) as the choice that stores it (its side; 0.5 is equal); null (no preference) as cant_tell. */
export function choiceOf(y: number | null): Choice {
  return y === null ? 'cant_tell' : y > 0.5 ? 'left' : y < 0.5 ? 'right' : 'equal';
}

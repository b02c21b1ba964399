/**
 * An annotator's answer to a pair, written once for the database schema (db/schema.ts), the
 * labeling page, the web server and the trainer's simulated annotators.
 */
export const CHOICES = ['left', 'right', 'equal', 'cant_tell'] as const;
export type Choice = (typeof CHOICES)[number];

/** A gold pair's correct answer: a real preference, so never cant_tell. */
export const GOLD_CHOICES = ['left', 'right', 'equal'] as const;
export type GoldChoice = (typeof GOLD_CHOICES)[number];

/** Choice -> P(left preferred), the stored label y; null: the annotator could not tell (kept, but not a preference). */
export function choiceToY(choice: Choice): number | null {
  switch (choice) {
    case 'left':
      return 1;
    case 'right':
      return 0;
    case 'equal':
      return 0.5;
    case 'cant_tell':
      return null;
  }
}

/** A preference (1, 0 or 0.5) as the choice that stores it; null (no preference) as cant_tell. */
export function choiceOf(y: 1 | 0 | 0.5 | null): Choice {
  return y === null ? 'cant_tell' : y === 1 ? 'left' : y === 0 ? 'right' : 'equal';
}

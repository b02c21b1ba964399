import { z } from 'zod';

/**
 * Text that SQLite can store as valid UTF-8 and every reader can decode. JavaScript strings may
 * hold lone surrogates (U+D800-U+DFFF without their partner), which better-sqlite3 writes as
 * invalid UTF-8 bytes: Python's sqlite3 then fails on the whole table. NUL cuts strings short in
 * many C readers. Both are refused, whatever the field.
 *
 * In a `u` regex, \p{Cs} matches only an UNPAIRED surrogate (a pair is one code point).
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this refuses
const LONE_SURROGATE_OR_NUL = /[\p{Cs}\u0000]/u;

export function isWellFormedText(value: string): boolean {
  return !LONE_SURROGATE_OR_NUL.test(value);
}

export const WELL_FORMED_MESSAGE = 'must be well-formed text: no NUL characters or unpaired UTF-16 surrogates';

/**
 * The one check every user-supplied string carries. A single shared instance, so a test can walk
 * every procedure's input schema and find it on each string (server/security/inputStrings.test.ts).
 */
export const wellFormedCheck = z.refine<string>((value) => isWellFormedText(value), { message: WELL_FORMED_MESSAGE });

/** A user-supplied string, at most `max` UTF-16 units (required: every string has a bound). */
export function text(max: number) {
  return z.string().max(max).check(wellFormedCheck);
}

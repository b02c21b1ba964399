import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { signInAttempts } from '@/db/schema';
import { authorizeCredentials } from '../auth';
import { ACCOUNT_FAILURES, ADDRESS_FAILURES, beginSignIn, KNOWN_ADDRESS_MS, SignInRateLimitedError, WINDOW_MS } from '../signInLimiter';
import { addUser, freshDb, TEST_PASSWORD, inOrder } from '@/tests/helpers/server/fixtures';

let db: Db;
let cleanup: () => void;
beforeAll(async () => ({ db, cleanup } = (await freshDb('sign-in-limiter'))));
afterAll(() => cleanup());

const T0 = 1_800_000_000_000;
let addressCounter = 0;
const freshAddress = () => `192.0.2.${++addressCounter}`;

/** One sign-in attempt: 'ok', 'wrong' (null: bad credentials) or 'limited:SECONDS'. */
async function attempt(email: string, password: string, address: string, now: number): Promise<string> {
  try {
    return (await authorizeCredentials(db, { email, password }, { address, now })) ? 'ok' : 'wrong';
  } catch (error) {
    if (error instanceof SignInRateLimitedError) return `limited:${Math.ceil(error.retryAfterMs / 1000)}`;
    throw error;
  }
}

describe('sign-in limiter (failures in the database, per account and per address)', () => {
  it(`refuses an account after ${ACCOUNT_FAILURES} failures in the window, even with the right password, until the window passes`, async () => {
    const user = await addUser(db, 'annotator');
    const address = freshAddress();
    for (let i = 0; i < ACCOUNT_FAILURES; i++) expect(await attempt(user.email, 'wrong password', address, T0 + i * 1000)).toBe('wrong');
    // The first failure leaves the window WINDOW_MS after it happened: that is the wait.
    const now = T0 + ACCOUNT_FAILURES * 1000;
    expect(await attempt(user.email, TEST_PASSWORD, address, now)).toBe(`limited:${(WINDOW_MS - ACCOUNT_FAILURES * 1000) / 1000}`);
    // From another, unknown address too: guessing is per account, not per address.
    expect(await attempt(user.email, TEST_PASSWORD, freshAddress(), now)).toMatch(/^limited:/);
    // Refusals are not counted, so the wait does not grow: just after the first failure left, it works.
    expect(await attempt(user.email, TEST_PASSWORD, address, T0 + WINDOW_MS + 1)).toBe('ok');
  });

  it('a success clears the account failures', async () => {
    const user = await addUser(db, 'annotator');
    const address = freshAddress();
    for (let i = 0; i < ACCOUNT_FAILURES - 1; i++) await attempt(user.email, 'nope', address, T0 + i);
    expect(await attempt(user.email, TEST_PASSWORD, address, T0 + 100)).toBe('ok');
    for (let i = 0; i < ACCOUNT_FAILURES - 1; i++) expect(await attempt(user.email, 'nope', address, T0 + 200 + i)).toBe('wrong');
    expect(await attempt(user.email, TEST_PASSWORD, address, T0 + 300)).toBe('ok');
  });

  it('the owner at a known address is not locked out by guesses from elsewhere', async () => {
    const user = await addUser(db, 'researcher');
    const home = freshAddress();
    expect(await attempt(user.email, TEST_PASSWORD, home, T0)).toBe('ok'); // home is now known
    const attacker = freshAddress();
    for (let i = 0; i < ACCOUNT_FAILURES + 3; i++) await attempt(user.email, `guess ${i}`, attacker, T0 + 1000 + i);
    expect(await attempt(user.email, TEST_PASSWORD, attacker, T0 + 2000)).toMatch(/^limited:/);
    expect(await attempt(user.email, TEST_PASSWORD, home, T0 + 2000)).toBe('ok');
    // ... but a known address gets no free guesses: its own failures still count.
    for (let i = 0; i < ACCOUNT_FAILURES; i++) await attempt(user.email, 'typo', home, T0 + 3000 + i);
    expect(await attempt(user.email, TEST_PASSWORD, home, T0 + 4000)).toMatch(/^limited:/);
    // "Known" expires.
    expect(KNOWN_ADDRESS_MS).toBeGreaterThan(WINDOW_MS);
  });

  it(`others' failures block a user only through the address limit (${ADDRESS_FAILURES})`, async () => {
    const shared = freshAddress();
    const victim = await addUser(db, 'annotator');
    // Failures on other accounts from the same address (one each: below any account limit), below the address limit.
    const others = await inOrder(Array.from({ length: ADDRESS_FAILURES }), () => addUser(db, 'annotator'));
    for (let i = 0; i < ADDRESS_FAILURES - 1; i++) expect(await attempt(others[i]!.email, 'x', shared, T0 + i)).toBe('wrong');
    expect(await attempt(victim.email, TEST_PASSWORD, shared, T0 + 100)).toBe('ok');
    // One more failure reaches the limit: now everyone at that address waits, nobody elsewhere.
    expect(await attempt(others[ADDRESS_FAILURES - 1]!.email, 'x', shared, T0 + 200)).toBe('wrong');
    expect(await attempt(victim.email, TEST_PASSWORD, shared, T0 + 300)).toMatch(/^limited:/);
    expect(await attempt(victim.email, TEST_PASSWORD, freshAddress(), T0 + 300)).toBe('ok');
  });

  it('counts parallel guesses before their passwords are checked (no burst gets past the limit)', async () => {
    const user = await addUser(db, 'annotator');
    const address = freshAddress();
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => attempt(user.email, `burst ${i}`, address, T0 + 5000)));
    expect(outcomes.filter((o) => o === 'wrong')).toHaveLength(ACCOUNT_FAILURES);
    expect(outcomes.filter((o) => o.startsWith('limited:'))).toHaveLength(30 - ACCOUNT_FAILURES);
  });

  it('keeps the table small: expired failures are deleted', async () => {
    const address = freshAddress();
    await attempt('old@example.com', 'x', address, T0);
    const later = T0 + WINDOW_MS + 10;
    await attempt('new@example.com', 'x', address, later);
    const rows = (await db.select().from(signInAttempts)).filter((r) => r.address === address);
    expect(rows.map((r) => r.email)).toEqual(['new@example.com']);
    expect((await beginSignIn(db, { email: 'old@example.com', address }, later)).allowed).toBe(true);
  });
});

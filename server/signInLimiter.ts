import { and, count, eq, gt, lt, or, type SQL } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { signInAttempts } from '@/db/schema';
import { writeTx, type Tx } from '@/db/transactions';
import { RATE_LIMITED_ERROR } from '@/server/signInErrors';
import { firstRow, returnedRow } from '@/db/dialect';

export { parseRateLimitedError } from '@/server/signInErrors';

/**
 * The sign-in limiter: failed attempts are counted in the database (several web processes share
 * the count) over a sliding window.
 *
 * - Per address: at most ADDRESS_FAILURES failed attempts from one client address in WINDOW_MS,
 *   whatever the accounts; then every attempt from that address is refused until the oldest of
 *   those failures leaves the window.
 * - Per account: at most ACCOUNT_FAILURES failed attempts on one email in WINDOW_MS, from all
 *   addresses; then attempts on it are refused the same way. Except from a "known" address, one
 *   that signed in to this account in the last KNOWN_ADDRESS_MS: there only the failures that came
 *   from that address itself count. So an attacker guessing elsewhere cannot lock the owner out
 *   at their usual address, and others' failures block a user only through the address limit.
 * - A refused attempt is not counted (the window is not extended by waiting callers) and checks
 *   no password (no bcrypt work for a flood). A success clears its account's failures.
 *
 * The refusal is HTTP 429 with Retry-After (app/api/auth/[...nextauth]/route.ts) and the sign-in
 * form says how long to wait.
 */
export const WINDOW_MS = 15 * 60_000;
export const ACCOUNT_FAILURES = 5;
export const ADDRESS_FAILURES = 20;
export const KNOWN_ADDRESS_MS = 30 * 24 * 60 * 60_000;

export interface SignInKey {
  /** Trimmed, lower-cased, as the credentials check looks it up. */
  email: string;
  address: string;
}

export type SignInVerdict = { allowed: true } | { allowed: false; retryAfterMs: number; reason: 'account' | 'address' };

/** Thrown by the credentials check when the limiter refuses; the auth route maps it to 429. */
export class SignInRateLimitedError extends Error {
  constructor(readonly retryAfterMs: number) {
    // next-auth passes the message to the client as `error`: a code with the wait in seconds.
    super(`${RATE_LIMITED_ERROR}:${Math.max(1, Math.ceil(retryAfterMs / 1000))}`);
  }
}
/** How long until the failures matching `where` drop below `limit`, or 0 if they already are. */
async function waitFor(db: Db | Tx, where: SQL | undefined, limit: number, now: number): Promise<number> {
  const rows = await db
    .select({ at: signInAttempts.at })
    .from(signInAttempts)
    .where(and(where, eq(signInAttempts.succeeded, false), gt(signInAttempts.at, now - WINDOW_MS)))
    .orderBy(signInAttempts.at);
  if (rows.length < limit) return 0;
  // The attempt becomes possible when all but limit - 1 of these have left the window.
  return rows[rows.length - limit]!.at + WINDOW_MS - now;
}

async function verdict(tx: Tx, key: SignInKey, now: number): Promise<SignInVerdict> {
  const byAddress = await waitFor(tx, eq(signInAttempts.address, key.address), ADDRESS_FAILURES, now);
  if (byAddress > 0) return { allowed: false, retryAfterMs: byAddress, reason: 'address' };
  const known =
    (await firstRow(tx
      .select({ n: count() })
      .from(signInAttempts)
      .where(
        and(
          eq(signInAttempts.email, key.email),
          eq(signInAttempts.address, key.address),
          eq(signInAttempts.succeeded, true),
          gt(signInAttempts.at, now - KNOWN_ADDRESS_MS),
        ),
      )))!.n > 0;
  const accountScope = known
    ? and(eq(signInAttempts.email, key.email), eq(signInAttempts.address, key.address))
    : eq(signInAttempts.email, key.email);
  const byAccount = await waitFor(tx, accountScope, ACCOUNT_FAILURES, now);
  if (byAccount > 0) return { allowed: false, retryAfterMs: byAccount, reason: 'account' };
  return { allowed: true };
}

/**
 * Decides whether an attempt may check its password and, if so, records it as a failure at once,
 * in the same IMMEDIATE transaction: parallel guesses cannot all pass the check before any of
 * them is counted. `finishSignIn` turns it into a success when the password matched.
 */
export async function beginSignIn(db: Db, key: SignInKey, now: number): Promise<(SignInVerdict & { allowed: false }) | { allowed: true; attemptId: number }> {
  return writeTx(db, async (tx) => {
    const decision = await verdict(tx, key, now);
    if (!decision.allowed) return decision;
    const { id } = await returnedRow(tx
      .insert(signInAttempts)
      .values({ email: key.email, address: key.address, succeeded: false, at: now })
      .returning({ id: signInAttempts.id }));
    return { allowed: true as const, attemptId: id };
  });
}

/** Marks the attempt a success (clearing its account's failures) or leaves it a failure; prunes expired rows. */
export async function finishSignIn(db: Db, attemptId: number, key: SignInKey, succeeded: boolean, now: number): Promise<void> {
  await writeTx(db, async (tx) => {
    if (succeeded) {
      await tx.update(signInAttempts).set({ succeeded: true }).where(eq(signInAttempts.id, attemptId));
      await tx.delete(signInAttempts).where(and(eq(signInAttempts.email, key.email), eq(signInAttempts.succeeded, false)));
    }
    await tx.delete(signInAttempts)
      .where(
        or(
          and(eq(signInAttempts.succeeded, false), lt(signInAttempts.at, now - WINDOW_MS)),
          lt(signInAttempts.at, now - KNOWN_ADDRESS_MS),
        ),
      );
  });
}

/**
 * The client address of a request, for the per-address limit. X-Forwarded-For is a list a client
 * may start with anything it likes; each proxy APPENDS the address it received the request from
 * (nginx's `$proxy_add_x_forwarded_for`, HAProxy's `forwardfor`). So the only entries that can
 * be believed are the last `trustedProxyHops` ones, which the operator's own proxies wrote, and
 * the leftmost of those (the `trustedProxyHops`-th from the right) is the address the outermost
 * proxy received the request from: the client. Every entry further left was sent by the client.
 *
 * trustedProxyHops = 0 (no proxy in front, the default): `next start` puts the socket's address
 * in the header only when the client sent none, so the client chooses this value whatever entry is
 * read; the first is taken, the per-address limit then binds only honest clients, and the
 * per-account limit (which does not depend on it) is what stops guessing. docs/deployment.md says
 * to set TRUSTED_PROXY_HOPS behind a reverse proxy.
 */
export function clientAddress(
  headers: Record<string, string | string[] | undefined> | Headers,
  trustedProxyHops = 0,
): string {
  const raw = headers instanceof Headers ? headers.get('x-forwarded-for') : headers['x-forwarded-for'];
  // Several header lines are one list, in order (RFC 9110 5.3).
  const value = Array.isArray(raw) ? raw.join(',') : raw;
  const entries = (value ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) return 'unknown';
  // Fewer entries than trusted hops: the request did not come through every proxy (a
  // misconfiguration, or a client reaching an inner hop directly); the leftmost is all there is.
  const index = trustedProxyHops === 0 ? 0 : Math.max(0, entries.length - trustedProxyHops);
  // Bounded: the value lands in the database.
  return entries[index]!.slice(0, 64);
}

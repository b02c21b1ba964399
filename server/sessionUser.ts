import { eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { users } from '@/db/schema';
import type { Tx } from '@/db/transactions';
import type { SessionUser } from './auth';
import { firstRow } from '@/db/dialect';

/** What a session JWT claims about its user (next-auth's token, or a test's hand-made claims). */
export interface SessionClaims {
  id?: unknown;
  sessionVersion?: unknown;
}

/**
 * The user a session JWT stands for, as the users table says NOW, or null when the token is
 * stale: the account is gone or disabled, or its session version moved on since the token was
 * issued (a password reset, a disable or re-enable). Every request path asks this: the tRPC
 * context, pages (through next-auth's jwt callback), /api/auth/session and the route handlers.
 * The role and name come from the row, not the token, so a changed role applies at once.
 */
export async function activeSessionUser(db: Db, claims: SessionClaims | null | undefined): Promise<SessionUser | null> {
  const id = claims?.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return null;
  const row = await firstRow(db
    .select({ id: users.id, role: users.role, email: users.email, name: users.name, disabled: users.disabled, sessionVersion: users.sessionVersion })
    .from(users)
    .where(eq(users.id, id)));
  if (!row || row.disabled || row.sessionVersion !== claims?.sessionVersion) return null;
  return { id: row.id, role: row.role, email: row.email, name: row.name };
}

/**
 * Makes every session issued so far for `userId` stale (inside the caller's write transaction).
 * Call it on every change that must end existing sessions: password, disabled flag, role.
 */
export async function revokeSessions(tx: Tx, userId: number): Promise<void> {
  await tx.update(users).set({ sessionVersion: sql`${users.sessionVersion} + 1` }).where(eq(users.id, userId));
}

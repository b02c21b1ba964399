import type { AuthOptions, DefaultSession } from 'next-auth';
import CredentialsImport from 'next-auth/providers/credentials';

// next-auth v4 ships CommonJS: bundlers hand us the function, plain Node/tsx (the trainer
// process loads server/root for its simulated annotators) hands us the module object.
const CredentialsProvider =
  (CredentialsImport as unknown as { default?: typeof CredentialsImport }).default ?? CredentialsImport;
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { getDb, type Db } from '@/db/client';
import { users, ROLES, type Role } from '@/db/schema';
import { verifyPassword, hashPassword } from '@/db/users';
import { text } from '@/trainer/contracts/text';
import { safeCallbackPath } from '@/server/access';
import { getServerEnv } from './env';
import { activeSessionUser } from './sessionUser';
import { beginSignIn, clientAddress, finishSignIn, SignInRateLimitedError } from './signInLimiter';
import { firstRow } from '@/db/dialect';

/** What the JWT and the session carry about the signed-in user. */
export interface SessionUser {
  id: number;
  role: Role;
  email: string;
  name: string;
}

declare module 'next-auth' {
  interface Session extends DefaultSession {
    /** sessionVersion: the token's, so the tRPC context can check it against the row too. */
    user: SessionUser & { sessionVersion?: number };
  }
  interface User {
    role: Role;
    sessionVersion: number;
  }
}

declare module 'next-auth/jwt' {
  interface JWT {
    id?: number;
    role?: Role;
    /** users.session_version at sign-in; a different value now means the session was revoked. */
    sessionVersion?: number;
  }
}

const credentialsSchema = z.object({
  email: text(254).trim().toLowerCase().min(1),
  password: text(200).min(1),
});

// Compared against when the email is unknown, so a wrong email costs as long as a wrong password
// (the response time does not reveal which accounts exist).
let dummyHash: string | undefined;

/** Where a sign-in attempt comes from, for the limiter (server/signInLimiter.ts). */
export interface SignInContext {
  address: string;
  now?: number;
}

/**
 * The Credentials provider's check: the limiter lets the attempt through (else it throws
 * SignInRateLimitedError), the user exists, is not disabled and the bcrypt hash matches.
 * Returns the next-auth User (id as a string, as next-auth wants) or null.
 */
export async function authorizeCredentials(db: Db, credentials: unknown, context: SignInContext = { address: 'unknown' }) {
  const parsed = credentialsSchema.safeParse(credentials);
  if (!parsed.success) return null;
  const now = context.now ?? Date.now();
  const key = { email: parsed.data.email, address: context.address };
  const attempt = await beginSignIn(db, key, now);
  if (!attempt.allowed) throw new SignInRateLimitedError(attempt.retryAfterMs);
  const row = await firstRow(db.select().from(users).where(eq(users.email, parsed.data.email)));
  if (!row) {
    dummyHash ??= hashPassword('not-a-real-password');
    await verifyPassword(parsed.data.password, dummyHash);
    await finishSignIn(db, attempt.attemptId, key, false, now);
    return null;
  }
  const ok = (await verifyPassword(parsed.data.password, row.passwordHash)) && !row.disabled;
  await finishSignIn(db, attempt.attemptId, key, ok, now);
  if (!ok) return null;
  return { id: String(row.id), email: row.email, name: row.name, role: row.role, sessionVersion: row.sessionVersion };
}

/** A session whose user changed (password, disabled, role) since it was issued: next-auth drops it. */
export class SessionRevokedError extends Error {
  constructor() {
    super('session revoked: the account changed since this session was issued; sign in again');
  }
}

const roleSchema = z.enum(ROLES);

export const authOptions: AuthOptions = {
  // Credentials sign-in only works with JWT sessions in next-auth v4 (no database adapter).
  session: { strategy: 'jwt', maxAge: 7 * 24 * 60 * 60 },
  pages: { signIn: '/signin' },
  providers: [
    CredentialsProvider({
      name: 'Email and password',
      credentials: {
        email: { label: 'Email', type: 'email' },
        password: { label: 'Password', type: 'password' },
      },
      authorize: (credentials, req) => authorizeCredentials(getDb(), credentials, { address: clientAddress(req.headers ?? {}, getServerEnv().trustedProxyHops) }),
    }),
  ],
  callbacks: {
    /** Where next-auth may send the browser after sign-in or sign-out: this site only. */
    redirect({ url, baseUrl }) {
      const relative = url.startsWith(baseUrl) ? url.slice(baseUrl.length) || '/' : url;
      return `${baseUrl}${safeCallbackPath(relative)}`;
    },
    /**
     * Runs at sign-in (with `user`) and on every later read of the session: pages
     * (getServerSession), /api/auth/session. A stale token throws, so next-auth answers "no
     * session" and clears the cookie; a live one takes role, name and email from the row.
     */
    async jwt({ token, user }) {
      if (user) {
        token.id = Number(user.id);
        token.role = user.role;
        token.email = user.email;
        token.name = user.name;
        token.sessionVersion = user.sessionVersion;
        return token;
      }
      const current = await activeSessionUser(getDb(), token);
      if (!current) throw new SessionRevokedError();
      token.role = current.role;
      token.email = current.email;
      token.name = current.name;
      return token;
    },
    session({ session, token }) {
      const role = roleSchema.safeParse(token.role);
      if (typeof token.id === 'number' && role.success) {
        session.user = { id: token.id, role: role.data, email: token.email ?? '', name: token.name ?? '', sessionVersion: token.sessionVersion };
      }
      return session;
    },
  },
  logger: {
    // A revoked session is an expected outcome, not a server error worth a stack trace.
    error(code, metadata) {
      const cause = (metadata as { error?: unknown } | undefined)?.error ?? metadata;
      if (code === 'JWT_SESSION_ERROR' && cause instanceof SessionRevokedError) return;
      console.error(`[next-auth][error][${code}]`, metadata);
    },
    warn(code) {
      console.warn(`[next-auth][warn][${code}]`);
    },
    debug() {},
  },
  // A getter: the secret comes from the environment (or data/.nextauth-secret) at request time,
  // never while `next build` imports this module.
  get secret() {
    return getServerEnv().nextAuthSecret;
  },
};

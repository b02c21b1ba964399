import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JWT } from 'next-auth/jwt';
import type { Db } from '@/db/client';
import type { User } from '@/db/schema';
import { authOptions, authorizeCredentials } from '../auth';
import { createContext } from '../trpc';
import { addUser, callerFor, freshDb, outcome, TEST_PASSWORD } from '@/tests/helpers/server/fixtures';
import { headersWithSession } from '@/tests/helpers/server/sessionCookie';

let db: Db;
let file: string;
let cleanup: () => void;
const savedDatabasePath = process.env.DATABASE_PATH;
beforeAll(async () => {
  ({ db, file, cleanup } = (await freshDb('session-version')));
  process.env.DATABASE_PATH = file; // getDb() (the callbacks, createContext) opens this file
});
afterAll(() => {
  process.env.DATABASE_PATH = savedDatabasePath;
  cleanup();
});

/** The JWT next-auth issues when `user` signs in now (authorize, then the jwt callback). */
async function signIn(user: User): Promise<JWT> {
  const authorized = await authorizeCredentials(db, { email: user.email, password: TEST_PASSWORD }, { address: `10.0.0.${user.id}` });
  expect(authorized).not.toBeNull();
  return (await authOptions.callbacks!.jwt!({ token: { sub: authorized!.id }, user: authorized!, account: null } as never)) as JWT;
}

/** What a later request sees for this token: next-auth's jwt callback, then the session callback. */
async function sessionFor(token: JWT) {
  try {
    const refreshed = (await authOptions.callbacks!.jwt!({ token } as never)) as JWT;
    return await authOptions.callbacks!.session!({ session: { expires: 'x' }, token: refreshed } as never);
  } catch {
    return null; // next-auth answers "no session" and clears the cookie
  }
}

/** What the tRPC context makes of a request carrying this token as its session cookie. */
async function contextUser(token: JWT) {
  return (await createContext({ headers: await headersWithSession(token) })).session?.user ?? null;
}

describe('sessions end when the account changes', () => {
  it('a password reset ends the sessions issued before it, not the ones after', async () => {
    const admin = callerFor(db, await addUser(db, 'admin'));
    const user = await addUser(db, 'annotator');
    const old = await signIn(user);
    expect(await contextUser(old)).toMatchObject({ id: user.id });
    await admin.admin.users.resetPassword({ userId: user.id, password: TEST_PASSWORD });
    expect(await sessionFor(old)).toBeNull();
    expect(await contextUser(old)).toBeNull();
    const fresh = await signIn(user);
    expect(await contextUser(fresh)).toMatchObject({ id: user.id, role: 'annotator' });
  });

  it('disabling ends every session, and re-enabling does not revive them', async () => {
    const admin = callerFor(db, await addUser(db, 'admin'));
    const user = await addUser(db, 'researcher');
    const old = await signIn(user);
    await admin.admin.users.setDisabled({ userId: user.id, disabled: true });
    expect(await sessionFor(old)).toBeNull();
    await admin.admin.users.setDisabled({ userId: user.id, disabled: false });
    expect(await sessionFor(old)).toBeNull();
    expect(await contextUser(old)).toBeNull();
    expect(await contextUser(await signIn(user))).toMatchObject({ id: user.id });
  });

  it('a token without a session version (issued by an older build) is refused', async () => {
    const user = await addUser(db, 'annotator');
    const legacy: JWT = { sub: String(user.id), id: user.id, role: 'annotator', email: user.email, name: user.name };
    expect(await sessionFor(legacy)).toBeNull();
    expect(await contextUser(legacy)).toBeNull();
  });

  it('the tRPC context refuses a validly signed token whose version is behind', async () => {
    const user = await addUser(db, 'annotator');
    expect(await contextUser({ id: user.id, role: 'annotator', email: user.email, name: user.name, sessionVersion: 0 })).toMatchObject({ id: user.id });
    expect(await contextUser({ id: user.id, role: 'annotator', email: user.email, name: user.name, sessionVersion: -1 })).toBeNull();
    // And so every procedure answers UNAUTHORIZED for it.
    expect(await outcome(callerFor(db, null).label.status())).toBe('UNAUTHORIZED');
  });
});

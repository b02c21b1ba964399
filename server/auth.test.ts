import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Session } from 'next-auth';
import type { JWT } from 'next-auth/jwt';
import { users } from '@/db/schema';
import type { Db } from '@/db/client';
import { authOptions, authorizeCredentials } from './auth';
import { createContext } from './trpc';
import { addUser, freshDb, TEST_PASSWORD } from '@/tests/helpers/server/fixtures';
import { headersWithSession } from '@/tests/helpers/server/sessionCookie';

let db: Db;
let file: string;
let cleanup: () => void;
const savedDatabasePath = process.env.DATABASE_PATH;
beforeAll(async () => {
  ({ db, file, cleanup } = (await freshDb('auth')));
  // getDb() (used by createContext) opens DATABASE_PATH on first use: point it at this file.
  process.env.DATABASE_PATH = file;
});
afterAll(() => {
  process.env.DATABASE_PATH = savedDatabasePath;
  cleanup();
});

describe('authorizeCredentials', () => {
  it('accepts the right password (email in any case) and refuses everything else', async () => {
    const user = await addUser(db, 'researcher', 'Mixed.Case@example.com');
    expect(user.email).toBe('mixed.case@example.com'); // stored lower-case
    const expected = { id: String(user.id), email: user.email, name: user.name, role: 'researcher', sessionVersion: 0 };
    expect(await authorizeCredentials(db, { email: user.email, password: TEST_PASSWORD })).toEqual(expected);
    expect(await authorizeCredentials(db, { email: ' MIXED.case@EXAMPLE.com ', password: TEST_PASSWORD })).toEqual(expected);
    expect(await authorizeCredentials(db, { email: user.email, password: TEST_PASSWORD + 'x' })).toBeNull();
    expect(await authorizeCredentials(db, { email: 'nobody@example.com', password: TEST_PASSWORD })).toBeNull();
    for (const malformed of [undefined, null, {}, { email: user.email }, { email: 7, password: TEST_PASSWORD }, 'x']) {
      expect(await authorizeCredentials(db, malformed)).toBeNull();
    }
  });

  it('refuses a disabled user even with the right password', async () => {
    const user = await addUser(db, 'annotator');
    await db.update(users).set({ disabled: true }).where(eq(users.id, user.id));
    expect(await authorizeCredentials(db, { email: user.email, password: TEST_PASSWORD })).toBeNull();
  });
});

describe('authOptions', () => {
  it('uses JWT sessions, the /signin page and carries id and role into the session', async () => {
    expect(authOptions.session?.strategy).toBe('jwt');
    expect(authOptions.pages?.signIn).toBe('/signin');
    const jwt = authOptions.callbacks!.jwt!;
    const token = (await jwt({
      token: { sub: '12' } as JWT,
      user: { id: '12', email: 'a@example.com', name: 'A', role: 'admin' },
      account: null,
    } as never)) as JWT;
    expect(token).toMatchObject({ id: 12, role: 'admin', email: 'a@example.com', name: 'A' });
    const session = (await authOptions.callbacks!.session!({ session: { expires: 'x' } as Session, token } as never)) as Session;
    expect(session.user).toEqual({ id: 12, role: 'admin', email: 'a@example.com', name: 'A' });
  });
});

describe('createContext', () => {
  // The session cookie a browser would send: a next-auth JWT with these claims.
  const signedInAs = (user: { id: number; role: JWT['role'] }) => headersWithSession({ ...user, email: 'e', name: 'n', sessionVersion: 0 });

  it('takes the role from the database, not from the token', async () => {
    const user = await addUser(db, 'annotator');
    const ctx = await createContext({ headers: await signedInAs({ id: user.id, role: 'admin' }) });
    expect(ctx.session?.user).toEqual({ id: user.id, role: 'annotator', email: user.email, name: user.name });
  });

  it('drops the session of a disabled or deleted user, and of anonymous requests', async () => {
    const user = await addUser(db, 'annotator');
    expect((await createContext({ headers: await signedInAs({ id: user.id, role: 'annotator' }) })).session).not.toBeNull();
    await db.update(users).set({ disabled: true }).where(eq(users.id, user.id));
    expect((await createContext({ headers: await signedInAs({ id: user.id, role: 'annotator' }) })).session).toBeNull();
    expect((await createContext({ headers: await signedInAs({ id: 999_999, role: 'admin' }) })).session).toBeNull();
    expect((await createContext({ headers: new Headers() })).session).toBeNull();
  });
});

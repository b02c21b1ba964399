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
import { getServerEnv } from './env';

/** What the JWT and the session carry about the signed-in user. */
export interface SessionUser {
  id: number;
  role: Role;
  email: string;
  name: string;
}

declare module 'next-auth' {
  interface Session extends DefaultSession {
    user: SessionUser;
  }
  interface User {
    role: Role;
  }
}

declare module 'next-auth/jwt' {
  interface JWT {
    id?: number;
    role?: Role;
  }
}

const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().min(1).max(254),
  password: z.string().min(1).max(200),
});

// Compared against when the email is unknown, so a wrong email costs as long as a wrong password
// (the response time does not reveal which accounts exist).
let dummyHash: string | undefined;

/**
 * The Credentials provider's check: the user exists, is not disabled and the bcrypt hash matches.
 * Returns the next-auth User (id as a string, as next-auth wants) or null.
 */
export async function authorizeCredentials(db: Db, credentials: unknown) {
  const parsed = credentialsSchema.safeParse(credentials);
  if (!parsed.success) return null;
  const row = db.select().from(users).where(eq(users.email, parsed.data.email)).get();
  if (!row) {
    dummyHash ??= hashPassword('not-a-real-password');
    await verifyPassword(parsed.data.password, dummyHash);
    return null;
  }
  const ok = await verifyPassword(parsed.data.password, row.passwordHash);
  if (!ok || row.disabled) return null;
  return { id: String(row.id), email: row.email, name: row.name, role: row.role };
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
      authorize: (credentials) => authorizeCredentials(getDb(), credentials),
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.id = Number(user.id);
        token.role = user.role;
        token.email = user.email;
        token.name = user.name;
      }
      return token;
    },
    session({ session, token }) {
      const role = roleSchema.safeParse(token.role);
      if (typeof token.id === 'number' && role.success) {
        session.user = { id: token.id, role: role.data, email: token.email ?? '', name: token.name ?? '' };
      }
      return session;
    },
  },
  // A getter: the secret comes from the environment (or data/.nextauth-secret) at request time,
  // never while `next build` imports this module.
  get secret() {
    return getServerEnv().nextAuthSecret;
  },
};

import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { users, type Role, type User } from './schema';
import type { Tx } from './transactions';
import type { Db } from './client';

/** ~70 ms per hash in pure JS: slow enough to hurt guessing, fast enough for a sign-in. */
export const BCRYPT_ROUNDS = 10;
/** bcrypt only reads the first 72 bytes; longer passwords would silently lose their tail. */
export const PASSWORD_MAX_BYTES = 72;
export const PASSWORD_MIN_LENGTH = 8;

export function hashPassword(password: string, rounds: number = BCRYPT_ROUNDS): string {
  if (bcrypt.truncates(password)) {
    throw new Error(`password is longer than ${PASSWORD_MAX_BYTES} bytes; bcrypt would ignore the rest`);
  }
  return bcrypt.hashSync(password, rounds);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

const PSEUDONYM_PREFIX: Record<Role, string> = { annotator: 'ann', researcher: 'res', admin: 'adm' };

/**
 * A short random handle such as 'ann-7f3a', unique in the users table. Exports carry it instead
 * of the email; 4 hex digits are plenty for a team, and it grows if a collision repeats.
 */
export async function newPseudonym(tx: Tx | Db, role: Role): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const bytes = attempt < 20 ? 2 : 4;
    const candidate = `${PSEUDONYM_PREFIX[role]}-${randomBytes(bytes).toString('hex')}`;
    const [taken] = await tx.select({ id: users.id }).from(users).where(eq(users.pseudonym, candidate));
    if (!taken) return candidate;
  }
}

export interface NewAccount {
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
}

/** Inserts a user (inside the caller's write transaction) and returns the row. */
export async function insertUser(tx: Tx, account: NewAccount, now: number = Date.now()): Promise<User> {
  const pseudonym = await newPseudonym(tx, account.role);
  const [user] = await tx
    .insert(users)
    .values({ ...account, email: account.email.toLowerCase(), pseudonym, createdAt: now })
    .returning();
  return user!;
}

/** A random password for generated demo accounts (~72 bits). */
export function randomPassword(): string {
  return randomBytes(9).toString('base64url');
}

import { eq } from 'drizzle-orm';
import { getServerSession } from 'next-auth';
import { getDb } from '@/db/client';
import { users } from '@/db/schema';
import { forbidden, redirect } from 'next/navigation';
import { authOptions, type SessionUser } from '@/server/auth';
import type { Role } from '@/db/schema';
import { AREAS, type AreaPath } from '@/server/access';
import { firstRow } from '@/db/dialect';

/**
 * The signed-in user for a server component, or null. As in the tRPC context, the users table
 * decides: a disabled (or deleted) account gets no page, and a changed role shows at once.
 */
export async function currentUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions);
  if (!session?.user || typeof session.user.id !== 'number') return null;
  const row = await firstRow(getDb().select({ role: users.role, disabled: users.disabled, name: users.name, email: users.email }).from(users).where(eq(users.id, session.user.id)));
  if (!row || row.disabled) return null;
  return { ...session.user, role: row.role, name: row.name, email: row.email };
}

/**
 * A page's own role check (the proxy checks first; this holds even if the proxy is bypassed or
 * misconfigured): anonymous visitors go to sign-in, the wrong role gets the refusal page
 * (app/forbidden.tsx, HTTP 403).
 */
export async function requireArea(path: AreaPath): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(path)}`);
  const area = AREAS.find((a) => a.path === path)!;
  if (!(area.roles as readonly Role[]).includes(user.role)) forbidden();
  return user;
}

import { getServerSession } from 'next-auth';
import { forbidden, redirect } from 'next/navigation';
import { authOptions, type SessionUser } from '@/server/auth';
import type { Role } from '@/db/schema';
import { AREAS, type AreaPath } from './access';

/** The signed-in user for a server component, or null. */
export async function currentUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions);
  return session?.user && typeof session.user.id === 'number' ? session.user : null;
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

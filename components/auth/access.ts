import type { Role } from '@/db/schema';

/** Which roles may open each area of the app; the nav, the proxy and the pages all read this. */
export const AREAS = [
  { path: '/label', title: 'Label', roles: ['annotator', 'researcher', 'admin'] },
  { path: '/runs', title: 'Runs', roles: ['researcher', 'admin'] },
  { path: '/admin', title: 'Admin', roles: ['admin'] },
] as const satisfies ReadonlyArray<{ path: string; title: string; roles: readonly Role[] }>;

export type AreaPath = (typeof AREAS)[number]['path'];

export function navLinksFor(role: Role): Array<{ path: AreaPath; title: string }> {
  return AREAS.filter((a) => (a.roles as readonly Role[]).includes(role)).map(({ path, title }) => ({ path, title }));
}

/** The area a URL path falls in (`/admin/users` is in `/admin`), or null for public pages. */
export function areaOf(pathname: string): (typeof AREAS)[number] | null {
  return AREAS.find((a) => pathname === a.path || pathname.startsWith(`${a.path}/`)) ?? null;
}

export function mayOpen(role: Role | undefined, pathname: string): boolean {
  const area = areaOf(pathname);
  if (!area) return true;
  return role !== undefined && (area.roles as readonly Role[]).includes(role);
}

/** A sign-in callback must stay on this site: only plain local paths, never `//evil.example`. */
export function safeCallbackPath(raw: string | null | undefined, fallback = '/label'): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return fallback;
  return raw;
}

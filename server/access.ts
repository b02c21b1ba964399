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

const PLACEHOLDER_ORIGIN = 'http://callback.invalid';

/**
 * The one callback-URL sanitiser (the sign-in page's server redirect, the sign-in form and
 * next-auth's redirect callback all use it): a callback must be a same-origin relative path.
 * Refused: anything not starting with one `/` (schemes, `//host`, `/\host`), any backslash,
 * whitespace or control character anywhere (browsers drop tabs and newlines, so `/\t/evil.example`
 * is `//evil.example`), and anything that does not resolve to this origin. Percent-encoded
 * characters are fine: the browser does not decode them when it resolves a path.
 */
export function safeCallbackPath(raw: string | null | undefined, fallback = '/label'): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2000) return fallback;
  if (raw[0] !== '/' || raw[1] === '/' || raw.includes('\\')) return fallback;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (/[\u0000-\u0020\u007f-\u009f\u2028\u2029]/.test(raw)) return fallback;
  try {
    const url = new URL(raw, PLACEHOLDER_ORIGIN);
    if (url.origin !== PLACEHOLDER_ORIGIN) return fallback;
  } catch {
    return fallback;
  }
  return raw;
}

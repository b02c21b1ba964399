import { getToken } from 'next-auth/jwt';
import { NextResponse, type NextRequest } from 'next/server';
import { areaOf, mayOpen } from '@/server/access';
import type { Role } from '@/db/schema';
import { guardRequest } from '@/server/http/requestGuard';

/**
 * Runs before every request (Next 16's proxy, formerly middleware). First the request guard
 * (server/http/requestGuard.ts: malformed percent-encoding in the path -> 400, a body announced
 * over the limit -> 413). Then the first, optimistic role check: anonymous visitors are sent to
 * sign in, and a signed-in user whose role may not open the area gets the refusal page with HTTP
 * 403 (the URL stays the one they asked for). Each page checks again on the server (with the
 * session version, server/sessionUser.ts), and every tRPC procedure checks the role itself, so
 * this is a fast path, not the only guard.
 */
export async function proxy(req: NextRequest) {
  const refused = guardRequest(req);
  if (refused) return refused;
  const { pathname, search } = req.nextUrl;
  if (!areaOf(pathname)) return NextResponse.next();
  // Without a secret in the environment the token cannot be read here; the pages still check.
  const secret = process.env.NEXTAUTH_SECRET;
  if (!secret) return NextResponse.next();
  const token = await getToken({ req, secret });
  if (!token) {
    const url = new URL('/signin', req.url);
    url.searchParams.set('callbackUrl', pathname + search);
    return NextResponse.redirect(url);
  }
  // An unknown role string simply matches no area's list.
  const role = typeof token.role === 'string' ? (token.role as Role) : undefined;
  if (!mayOpen(role, pathname)) {
    // The /forbidden route calls forbidden(), so the refusal page arrives with HTTP 403.
    return NextResponse.rewrite(new URL('/forbidden', req.url));
  }
  return NextResponse.next();
}

export const config = {
  // Every path but the build's static files (their names are hashes Next itself wrote) and
  // well-formed tRPC calls (`/api/trpc/label.next`, batched `a,b`: letters, digits, dots and
  // commas only, so no percent-encoding to check). Those need nothing from here: no area has a
  // role check at /api/trpc (each procedure checks its own), and the tRPC route refuses an
  // oversized body itself while reading it (server/http/bodyLimit.ts). Skipping the proxy there
  // saves ~3 ms of CPU per call, a third of what label.next cost (npm run bench:load). Any other
  // /api/trpc path (one with a `%`, a slash, ...) still comes through the guard. A literal: Next
  // reads the matcher at build time (server/http/proxyMatcher.test.ts checks it with Next's own compiler).
  matcher: ['/((?!_next/static|_next/image|api/trpc/[A-Za-z0-9.,]+$).*)'],
};

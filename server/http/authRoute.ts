import NextAuth, { type AuthOptions } from 'next-auth';
import { NextRequest } from 'next/server';
import { safeCallbackPath } from '@/server/access';
import { parseRateLimitedError } from '../signInLimiter';
import { withBodyLimit } from './bodyLimit';

type RouteContext = { params: Promise<{ nextauth: string[] }> };

/**
 * next-auth's App Router handlers with two additions: POST bodies are read under the body limit,
 * and a credentials sign-in the limiter refused (next-auth reports it as 401 with
 * `error=RateLimited:SECONDS`) becomes what it is, 429 with Retry-After.
 */
export function authRouteHandlers(options: AuthOptions) {
  const nextAuth = NextAuth(options) as (req: NextRequest, ctx: RouteContext) => Promise<Response>;
  async function GET(req: NextRequest, ctx: RouteContext): Promise<Response> {
    // next-auth answers a GET of the credentials callback with a 500 ("not supported"): it is POST only.
    if (new URL(req.url).pathname.endsWith('/callback/credentials')) {
      return Response.json({ error: 'sign in with POST' }, { status: 405, headers: { allow: 'POST' } });
    }
    return nextAuth(withSafeCallbackParam(req), ctx);
  }
  async function POST(req: NextRequest, ctx: RouteContext): Promise<Response> {
    const url = safeCallbackUrl(req.url);
    const limited = await withBodyLimit(req, (body) => new NextRequest(url, { method: req.method, headers: req.headers, body: body as BodyInit }));
    if (limited instanceof Response) return limited;
    const response = await nextAuth(limited, ctx);
    return new URL(req.url).pathname.endsWith('/callback/credentials') ? await asTooManyRequests(response) : response;
  }
  return { GET, POST };
}

/**
 * next-auth answers a `callbackUrl` query parameter it cannot parse as a URL with a 500
 * (INVALID_CALLBACK_URL_ERROR; the e2e fuzz found it). The parameter is passed through the one
 * sanitiser first: a same-origin path stays, anything else becomes the default landing page.
 */
function safeCallbackUrl(rawUrl: string): string {
  const url = new URL(rawUrl);
  const callback = url.searchParams.get('callbackUrl');
  if (callback === null) return rawUrl;
  const relative = callback.startsWith(url.origin) ? callback.slice(url.origin.length) || '/' : callback;
  url.searchParams.set('callbackUrl', safeCallbackPath(relative));
  return url.toString();
}

function withSafeCallbackParam(req: NextRequest): NextRequest {
  const url = safeCallbackUrl(req.url);
  return url === req.url ? req : new NextRequest(url, { method: req.method, headers: req.headers });
}

/** The same response with status 429 and Retry-After when it carries the limiter's error code. */
export async function asTooManyRequests(response: Response): Promise<Response> {
  const target = response.headers.get('location') ?? (await redirectUrlInJson(response));
  if (!target) return response;
  let seconds: number | null = null;
  try {
    seconds = parseRateLimitedError(new URL(target, 'http://placeholder.invalid').searchParams.get('error'));
  } catch {
    return response;
  }
  if (seconds === null) return response;
  const headers = new Headers(response.headers);
  headers.set('retry-after', String(seconds));
  return new Response(await response.arrayBuffer(), { status: 429, headers });
}

async function redirectUrlInJson(response: Response): Promise<string | null> {
  if (!response.headers.get('content-type')?.includes('application/json')) return null;
  try {
    const data: unknown = await response.clone().json();
    const url = (data as { url?: unknown } | null)?.url;
    return typeof url === 'string' ? url : null;
  } catch {
    return null;
  }
}

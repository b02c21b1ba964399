import NextAuth, { type AuthOptions } from 'next-auth';
import { NextRequest } from 'next/server';
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
    return nextAuth(req, ctx);
  }
  async function POST(req: NextRequest, ctx: RouteContext): Promise<Response> {
    const limited = await withBodyLimit(req, (body) => new NextRequest(req.url, { method: req.method, headers: req.headers, body: body as BodyInit }));
    if (limited instanceof Response) return limited;
    const response = await nextAuth(limited, ctx);
    return new URL(req.url).pathname.endsWith('/callback/credentials') ? asTooManyRequests(response) : response;
  }
  return { GET, POST };
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

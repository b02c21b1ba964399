import { bodyTooLarge, declaredTooLarge } from './bodyLimit';

/**
 * Checks every request before routing (the proxy, proxy.ts, runs it first): a path with
 * malformed percent-encoding gets 400 (Next's route modules answered those with an unlogged 500:
 * `/api/trpc/%E0%A4%A`), and a body announced larger than the limit gets 413 before any of it
 * is read. Returns the refusal, or null to go on.
 */
export function guardRequest(req: Request, log: (line: string) => void = console.warn): Response | null {
  const path = rawPathOf(req.url);
  if (!isWellEncodedPath(path)) {
    log(`400 malformed percent-encoding in path ${JSON.stringify(path.slice(0, 200))}`);
    return Response.json(
      { error: 'the URL path has malformed percent-encoding' },
      { status: 400, headers: { 'cache-control': 'no-store' } },
    );
  }
  if (declaredTooLarge(req.headers)) return bodyTooLarge();
  return null;
}

/** The path as sent (still percent-encoded), without the query. */
function rawPathOf(url: string): string {
  return new URL(url).pathname;
}

/** Every segment decodes as UTF-8 (`decodeURIComponent` throws on `%E0%A4%A`, `%ZZ`, `%ED%A0%80`). */
export function isWellEncodedPath(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The request body limit of every route that reads a body (tRPC, next-auth). 64 KiB: the largest
 * legitimate body is a `runs.create` with a full config and 2,000 characters of instructions
 * (~4 KiB) or a batch of a few label calls (~1 KiB); 64 KiB leaves 16x headroom, and a request
 * that big is refused before it is held in memory instead of after (a 100 MB body used to be
 * read in full before its 400).
 */
export const MAX_BODY_BYTES = 64 * 1024;

export function bodyTooLarge(limit: number = MAX_BODY_BYTES): Response {
  return Response.json(
    { error: `request body too large: the limit is ${limit} bytes` },
    { status: 413, headers: { 'cache-control': 'no-store', connection: 'close' } },
  );
}

/** True when Content-Length announces more than `limit` bytes (or is not a number at all). */
export function declaredTooLarge(headers: Headers, limit: number = MAX_BODY_BYTES): boolean {
  const raw = headers.get('content-length');
  if (raw === null) return false;
  if (!/^\d{1,16}$/.test(raw.trim())) return true;
  return Number(raw) > limit;
}

/**
 * Reads `req`'s body, stopping (and cancelling the stream) as soon as it passes `limit` bytes:
 * a chunked upload without Content-Length is cut off at the limit, never read to its end.
 * Returns the bytes, or a 413 response.
 */
export async function readBodyWithLimit(req: Request, limit: number = MAX_BODY_BYTES): Promise<Uint8Array | Response> {
  if (declaredTooLarge(req.headers, limit)) return bodyTooLarge(limit);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel('request body too large').catch(() => {});
      return bodyTooLarge(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * `req` with its body read under the limit and held as bytes, so the handler after it (tRPC's
 * adapter, next-auth) reads at most `limit` bytes; or a 413 response. GET and HEAD pass as they are.
 */
export async function withBodyLimit<R extends Request>(req: R, rebuild: (body: Uint8Array) => R, limit: number = MAX_BODY_BYTES): Promise<R | Response> {
  if (req.method === 'GET' || req.method === 'HEAD') return req;
  const body = await readBodyWithLimit(req, limit);
  if (body instanceof Response) return body;
  return rebuild(body);
}

/** A plain Request with the same method, URL and headers and the given body. */
export function requestWithBody(req: Request, body: Uint8Array): Request {
  return new Request(req.url, { method: req.method, headers: req.headers, body: body as BodyInit, signal: req.signal });
}

import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, readBodyWithLimit } from '../http/bodyLimit';
import { guardRequest, isWellEncodedPath } from '../http/requestGuard';

/** A request whose body is an endless stream of 16 KiB chunks; counts how many were pulled. */
function endlessUpload(headers: Record<string, string> = {}) {
  const pulled = { chunks: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled.chunks++;
      controller.enqueue(new Uint8Array(16 * 1024).fill(0x61));
    },
    cancel() {
      pulled.cancelled = true;
    },
  }, { highWaterMark: 0 }); // pulled only when read, so the count is what the reader took
  const req = new Request('http://127.0.0.1/api/trpc/label.submit', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
  return { req, pulled };
}

describe('request body limit', () => {
  it('stops reading a stream without Content-Length at the limit and answers 413', async () => {
    const { req, pulled } = endlessUpload();
    const result = await readBodyWithLimit(req);
    expect(result).toBeInstanceOf(Response);
    expect((result as Response).status).toBe(413);
    expect(await (result as Response).json()).toEqual({ error: `request body too large: the limit is ${MAX_BODY_BYTES} bytes` });
    // 64 KiB in 16 KiB chunks: the fifth chunk crosses it, and nothing more is pulled.
    expect(pulled.chunks).toBeLessThanOrEqual(MAX_BODY_BYTES / (16 * 1024) + 2);
    expect(pulled.cancelled).toBe(true);
  });

  it('refuses an announced Content-Length over the limit without reading any of the body', async () => {
    const { req, pulled } = endlessUpload({ 'content-length': String(MAX_BODY_BYTES + 1) });
    expect(((await readBodyWithLimit(req)) as Response).status).toBe(413);
    expect(pulled.chunks).toBe(0);
    expect(guardRequest(req)?.status).toBe(413);
  });

  it('reads a body of exactly the limit, byte for byte', async () => {
    const bytes = new Uint8Array(MAX_BODY_BYTES).map((_, i) => i % 251);
    const body = await readBodyWithLimit(new Request('http://127.0.0.1/x', { method: 'POST', body: bytes }));
    expect(body).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(body as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
    const over = await readBodyWithLimit(new Request('http://127.0.0.1/x', { method: 'POST', body: new Uint8Array(MAX_BODY_BYTES + 1) }));
    expect((over as Response).status).toBe(413);
  });
});

describe('malformed percent-encoding in the path', () => {
  it.each(['/api/trpc/%E0%A4%A', '/api/auth/%E0%A4%A', '/api/checkpoints/%E0%A4%A', '/label/%ZZ', '/%', '/a%ED%A0%80', '/%C0%AF'])('%s -> 400, logged once', (path) => {
    const lines: string[] = [];
    const refused = guardRequest(new Request(`http://127.0.0.1${path}`), (l) => lines.push(l));
    expect(refused?.status).toBe(400);
    expect(lines).toEqual([`400 malformed percent-encoding in path ${JSON.stringify(path)}`]);
  });

  it('lets well-encoded paths through, and does not judge the query string', () => {
    for (const path of ['/api/trpc/label.next', '/runs/3', '/label/%E2%9C%93', '/api/export?format=%E0%A4%A']) {
      expect(guardRequest(new Request(`http://127.0.0.1${path}`), () => {})).toBeNull();
    }
    expect(isWellEncodedPath('/a%20b')).toBe(true);
  });
});

import http from 'node:http';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { Db } from '@/db/client';
import { handleExportRequest } from '@/server/export/http';
import { guardRequest } from '@/server/http/requestGuard';
import { trpcHandler } from '@/server/http/trpcHandler';
import { handleCheckpointDownload } from '@/server/inspect/checkpointDownload';
import { contextForClaims } from '@/server/trpc';
import type { SessionClaims } from '@/server/sessionUser';

/**
 * A real HTTP server (node:http) around the app's own handlers, for the fuzz test: the request
 * guard the proxy runs first (proxy.ts), then the same handler functions the route files in
 * app/api/ call: the tRPC fetch adapter with the app router, the export and the checkpoint
 * downloads. Only the session lookup differs: instead of next-auth's cookie, the header
 * `x-fuzz-session: ID:VERSION` carries the JWT's claims, checked against the users table exactly
 * as for a real session (contextForClaims). next-auth's own routes need Next's request scope and
 * are fuzzed over `next start` in tests/e2e/security.spec.ts.
 */

/** The app's route handlers this server mounts, by their file under app/api/ (the test checks the list is complete). */
export const MOUNTED_ROUTE_FILES = ['app/api/trpc/[trpc]/route.ts', 'app/api/export/route.ts', 'app/api/checkpoints/[id]/route.ts'];
/** Route handlers fuzzed elsewhere (next-auth needs `next start`: tests/e2e/security.spec.ts). */
export const ROUTE_FILES_FUZZED_IN_E2E = ['app/api/auth/[...nextauth]/route.ts'];

export interface FuzzServer {
  url: string;
  /** Errors a handler threw instead of answering (each one also answered 500). */
  crashes: unknown[];
  close: () => Promise<void>;
}

function claimsOf(req: Request): SessionClaims | null {
  const match = /^(\d{1,9}):(-?\d{1,9})$/.exec(req.headers.get('x-fuzz-session') ?? '');
  return match ? { id: Number(match[1]), sessionVersion: Number(match[2]) } : null;
}

/** Next answers 405 for a method a route file does not export; these route files export GET only. */
const methodNotAllowed = () => new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } });

export async function startFuzzServer(db: Db): Promise<FuzzServer> {
  const currentUser = async (req: Request) => (await contextForClaims(db, claimsOf(req))).session?.user ?? null;
  const trpc = trpcHandler(async (req) => contextForClaims(db, claimsOf(req)));

  async function route(req: Request): Promise<Response> {
    const refused = guardRequest(req, () => {});
    if (refused) return refused;
    const { pathname } = new URL(req.url);
    if (pathname.startsWith('/api/trpc/')) {
      if (req.method !== 'GET' && req.method !== 'POST') return new Response(null, { status: 405, headers: { allow: 'GET, POST' } });
      return trpc(req);
    }
    if (pathname === '/api/export') {
      if (req.method !== 'GET') return methodNotAllowed();
      return handleExportRequest(req, { currentUser: () => currentUser(req), db: () => db });
    }
    const checkpoint = /^\/api\/checkpoints\/([^/]+)$/.exec(pathname);
    if (checkpoint) {
      if (req.method !== 'GET') return methodNotAllowed();
      // Next hands the route its [id] segment decoded (the guard made sure it decodes).
      return handleCheckpointDownload(decodeURIComponent(checkpoint[1]!), req, { currentUser: () => currentUser(req), db: () => db });
    }
    return Response.json({ error: 'not found' }, { status: 404 });
  }

  const crashes: unknown[] = [];
  const server = http.createServer(async (incoming, outgoing) => {
    try {
      const headers = new Headers();
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const hasBody = incoming.method !== 'GET' && incoming.method !== 'HEAD';
      const req = new Request(`http://${incoming.headers.host ?? '127.0.0.1'}${incoming.url ?? '/'}`, {
        method: incoming.method,
        headers,
        body: hasBody ? (Readable.toWeb(incoming) as ReadableStream<Uint8Array>) : undefined,
        duplex: 'half',
      } as RequestInit);
      const res = await route(req);
      const body = Buffer.from(await res.arrayBuffer());
      outgoing.writeHead(res.status, Object.fromEntries(res.headers));
      outgoing.end(body);
    } catch (error) {
      crashes.push(error);
      if (!outgoing.headersSent) outgoing.writeHead(500);
      outgoing.end();
    }
    // A body the handler did not read (refused early) is drained, as Node would on close.
    incoming.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    crashes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '../root';
import type { Context } from '../trpc';
import { requestWithBody, withBodyLimit } from './bodyLimit';

/**
 * The tRPC endpoint (app/api/trpc/[trpc]/route.ts serves it with next-auth's session; the fuzz
 * test serves the very same function over plain node:http with its own session lookup): the body
 * is read under the limit first, then the fetch adapter runs the procedure.
 */
export function trpcHandler(createContext: (req: Request) => Promise<Context>) {
  return async (req: Request): Promise<Response> => {
    const limited = await withBodyLimit(req, (body) => requestWithBody(req, body));
    if (limited instanceof Response) return limited;
    return fetchRequestHandler({
      endpoint: '/api/trpc',
      req: limited,
      router: appRouter,
      createContext: () => createContext(limited),
      onError({ error, path }) {
        // Client mistakes are 4xx answers; only real failures belong in the server log.
        if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`tRPC ${path ?? '?'} failed:`, error);
      },
    });
  };
}

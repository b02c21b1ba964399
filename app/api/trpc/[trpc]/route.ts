import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter, createContext } from '@/server/root';
import { procedurePaths, recordTiming } from '@/server/timing';

async function handler(req: Request) {
  const started = performance.now();
  const response = await fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: () => createContext({ headers: req.headers }),
    onError({ error, path }) {
      // Client mistakes are 4xx answers; only real failures belong in the server log.
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`tRPC ${path ?? '?'} failed:`, error);
    },
  });
  recordTiming(procedurePaths(req.url), performance.now() - started);
  return response;
}

export { handler as GET, handler as POST };

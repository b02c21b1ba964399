import { trpcHandler } from '@/server/http/trpcHandler';
import { createContext } from '@/server/root';
import { procedurePaths, recordTiming } from '@/server/timing';

const inner = trpcHandler((req) => createContext({ headers: req.headers }));

/** The tRPC endpoint, timed server-side when SERVER_TIMING_FILE is set (npm run bench:load reads it). */
async function handler(req: Request): Promise<Response> {
  const started = performance.now();
  const response = await inner(req);
  recordTiming(procedurePaths(req.url), performance.now() - started);
  return response;
}

export { handler as GET, handler as POST };

import { trpcHandler } from '@/server/http/trpcHandler';
import { createContext } from '@/server/root';

const handler = trpcHandler((req) => createContext({ headers: req.headers }));

export { handler as GET, handler as POST };

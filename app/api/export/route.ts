import { getDb } from '@/db/client';
import { handleExportRequest } from '@/server/export/http';
import { createContext } from '@/server/trpc';

// A download of the current data, never prerendered or cached.
export const dynamic = 'force-dynamic';

/** The dataset download (admins only); see server/export/http.ts and docs/export-schema.md. */
export async function GET(req: Request): Promise<Response> {
  return handleExportRequest(req, {
    currentUser: async () => (await createContext({ headers: req.headers })).session?.user ?? null,
    db: getDb,
  });
}

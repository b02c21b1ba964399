import { getDb } from '@/db/client';
import { handleCheckpointDownload } from '@/server/inspect/checkpointDownload';
import { createContext } from '@/server/trpc';

// A download of stored data, never prerendered or cached.
export const dynamic = 'force-dynamic';

/** One checkpoint blob (researchers and admins); see server/inspect/checkpointDownload.ts. */
export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  return handleCheckpointDownload(id, req, {
    currentUser: async () => (await createContext({ headers: req.headers })).session?.user ?? null,
    db: getDb,
  });
}

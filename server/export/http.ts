import type { Db } from '@/db/client';
import type { Role } from '@/db/schema';
import { CONTENT_TYPES, exportChunks, exportFilename } from './export';
import { EXPORT_SCHEMA_VERSION, exportQuerySchema } from './schema';

export interface ExportRequestDeps {
  /** Who is asking, as the users table says now (null when signed out or disabled). */
  currentUser: () => Promise<{ role: Role } | null>;
  /** The database connection, opened only once the caller is known to be an admin. */
  db: () => Db;
  now?: () => number;
}

function problem(status: number, error: string): Response {
  return Response.json({ error }, { status, headers: { 'cache-control': 'no-store' } });
}

/**
 * GET /api/export?format=jsonl|csv|parquet&run=ID|all&from=&to=&annotator=&choice=&emails=1
 * Admins only: 401 signed out, 403 any other role, both before the query is even parsed.
 * The body streams: one chunk per page of labels, pulled as the client reads.
 */
export async function handleExportRequest(req: Request, deps: ExportRequestDeps): Promise<Response> {
  const user = await deps.currentUser();
  if (!user) return problem(401, 'sign in as an admin to export labels');
  if (user.role !== 'admin') return problem(403, `exports need role admin; you are ${user.role}`);

  const params = Object.fromEntries(new URL(req.url).searchParams);
  const parsed = exportQuerySchema.safeParse(params);
  if (!parsed.success) return problem(400, parsed.error.issues.map((i) => i.message).join('; '));
  const { format, filters } = parsed.data;

  const chunks = exportChunks(deps.db(), format, filters);
  const body = new ReadableStream<Uint8Array>({
    // Pull-driven: the next page is read only when the client has taken the last one.
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        console.error('export failed mid-stream:', error);
        controller.error(error);
      }
    },
    cancel() {
      void chunks.return();
    },
  });
  const filename = exportFilename(format, filters, deps.now?.() ?? Date.now());
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': CONTENT_TYPES[format],
      'content-disposition': `attachment; filename="${filename}"`,
      'cache-control': 'no-store',
      'x-export-schema-version': String(EXPORT_SCHEMA_VERSION),
    },
  });
}

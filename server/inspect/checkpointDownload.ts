import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { checkpoints, type Role } from '@/db/schema';
import { firstRow } from '@/db/dialect';

export const CHECKPOINT_PARTS = ['reward_model', 'policy'] as const;
export type CheckpointPart = (typeof CHECKPOINT_PARTS)[number];

export interface CheckpointDownloadDeps {
  /** Who is asking, as the users table says now (null when signed out or disabled). */
  currentUser: () => Promise<{ role: Role } | null>;
  /** The database, opened only once the caller may download. */
  db: () => Db;
}

function problem(status: number, error: string): Response {
  return Response.json({ error }, { status, headers: { 'cache-control': 'no-store' } });
}

/** `run-3-iteration-12-reward_model.bin`: what and where from, in the name. */
export function checkpointFilename(runId: number, iteration: number, part: CheckpointPart): string {
  return `run-${runId}-iteration-${iteration}-${part}.bin`;
}

/**
 * GET /api/checkpoints/ID?part=reward_model|policy: one blob of a checkpoint as a download
 * (researchers and admins; 401 signed out and 403 for other roles before anything is parsed or
 * read). Tabular blobs are the service's "SOBIRLTV" vectors (trainer/contracts/tabular-checkpoint.ts:
 * x for the reward model, Q for the policy).
 */
export async function handleCheckpointDownload(idParam: string, req: Request, deps: CheckpointDownloadDeps): Promise<Response> {
  const user = await deps.currentUser();
  if (!user) return problem(401, 'sign in as a researcher or admin to download checkpoints');
  if (user.role !== 'researcher' && user.role !== 'admin') {
    return problem(403, `checkpoint downloads need role researcher or admin; you are ${user.role}`);
  }
  const id = Number(idParam);
  if (!/^\d+$/.test(idParam) || !Number.isSafeInteger(id) || id <= 0) return problem(400, `'${idParam}' is not a checkpoint id`);
  const partParam = new URL(req.url).searchParams.get('part') ?? 'reward_model';
  const part = CHECKPOINT_PARTS.find((p) => p === partParam);
  if (!part) return problem(400, `part must be one of ${CHECKPOINT_PARTS.join(', ')}; got '${partParam}'`);

  const column = part === 'reward_model' ? checkpoints.rewardModel : checkpoints.policy;
  const row = await firstRow(deps.db()
    .select({ runId: checkpoints.runId, iteration: checkpoints.iteration, formatVersion: checkpoints.formatVersion, blob: column })
    .from(checkpoints)
    .where(eq(checkpoints.id, id)));
  if (!row) return problem(404, `checkpoint ${id} does not exist`);
  if (!row.blob) return problem(404, `checkpoint ${id} has no ${part} blob`);
  // A copy into a fresh ArrayBuffer: Response takes BufferSource, and the row's Buffer may share a pool.
  const body = new Uint8Array(row.blob.byteLength);
  body.set(row.blob);
  return new Response(body, {
    status: 200,
    headers: {
      'content-type': 'application/octet-stream',
      'content-length': String(body.byteLength),
      'content-disposition': `attachment; filename="${checkpointFilename(row.runId, row.iteration, part)}"`,
      'cache-control': 'no-store',
      'x-checkpoint-format-version': String(row.formatVersion),
    },
  });
}

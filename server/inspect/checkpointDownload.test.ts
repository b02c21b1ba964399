import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import type { Role } from '@/db/schema';
import { decodeVector } from '@/trainer/contracts/tabular-checkpoint';
import { freshDb } from '@/tests/helpers/server/fixtures';
import { handleCheckpointDownload } from './checkpointDownload';
import { T0, insertCheckpoint, insertRun } from '@/tests/helpers/server/inspect-fixtures';

let env: Awaited<ReturnType<typeof freshDb>>;
let checkpointId: number;
let runId: number;
const x = Float64Array.from({ length: 25 }, (_, i) => i / 10);
const Q = Float64Array.from({ length: 100 }, (_, i) => -i);

beforeAll(async () => {
  env = (await freshDb('checkpoint-download'));
  runId = (await insertRun(env.db, { name: 'download' }));
  checkpointId = (await insertCheckpoint(env.db, { runId, iteration: 7, createdAt: T0, labelWatermark: 0, x, Q }));
});
afterAll(() => env.cleanup());

/** Calls the handler as `role` (null: signed out), counting how often the database is opened. */
async function download(role: Role | null, id: string, query = '') {
  let opened = 0;
  const res = await handleCheckpointDownload(id, new Request(`http://test/api/checkpoints/${id}${query}`), {
    currentUser: async () => (role ? { role } : null),
    db: (): Db => {
      opened += 1;
      return env.db;
    },
  });
  return { res, opened };
}

describe('GET /api/checkpoints/ID', () => {
  it('refuses signed-out users (401) and annotators (403) before reading anything', async () => {
    for (const [role, status] of [[null, 401], ['annotator', 403]] as const) {
      const { res, opened } = await download(role, 'not-even-a-number', '?part=bogus');
      expect(res.status).toBe(status);
      expect(opened).toBe(0);
    }
  });

  it('streams the reward model and the policy with a telling filename', async () => {
    for (const role of ['researcher', 'admin'] as const) {
      const reward = (await download(role, String(checkpointId))).res;
      expect(reward.status).toBe(200);
      expect(reward.headers.get('content-disposition')).toBe(`attachment; filename="run-${runId}-iteration-7-reward_model.bin"`);
      expect([...decodeVector(new Uint8Array(await reward.arrayBuffer()), 25, 'x')]).toEqual([...x]);
      const policy = (await download(role, String(checkpointId), '?part=policy')).res;
      expect(policy.headers.get('content-disposition')).toContain('iteration-7-policy.bin');
      expect([...decodeVector(new Uint8Array(await policy.arrayBuffer()), 100, 'Q')]).toEqual([...Q]);
    }
  });

  it('answers 400 for a bad id or part and 404 for a missing checkpoint', async () => {
    expect((await download('researcher', '12abc')).res.status).toBe(400);
    expect((await download('researcher', String(checkpointId), '?part=weights')).res.status).toBe(400);
    expect((await download('researcher', '999999')).res.status).toBe(404);
  });
});

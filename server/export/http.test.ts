import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@/db/schema';
import { addRun, addUser, freshDb, inOrder } from '@/tests/helpers/server/fixtures';
import { handleExportRequest } from './http';
import { readJsonl, readParquet } from './readBack';
import { insertLabel } from '@/tests/helpers/server/export-fixtures';

let env: Awaited<ReturnType<typeof freshDb>>;
let labelIds: number[] = [];

beforeAll(async () => {
  env = (await freshDb('export-http'));
  const user = await addUser(env.db, 'annotator');
  const run = await addRun(env.db, { count: 3 });
  labelIds = await inOrder(run.pairIds, (pairId, i) => insertLabel(env.db, { pairId, userId: user.id, choice: 'left', answeredAt: 1_740_000_000_000 + i }));
});
afterAll(() => env.cleanup());

/** Calls the handler as `role` (null: signed out), recording whether the database was touched. */
async function get(query: string, role: Role | null) {
  let opened = false;
  const response = await handleExportRequest(new Request(`http://test/api/export?${query}`), {
    currentUser: async () => (role ? { role } : null),
    db: () => {
      opened = true;
      return env.db;
    },
    now: () => Date.UTC(2025, 5, 7),
  });
  return { response, opened };
}

describe('GET /api/export', () => {
  it('refuses the signed-out (401) and every non-admin role (403) before any work', async () => {
    const anonymous = await get('format=jsonl', null);
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.opened).toBe(false);
    for (const role of ['annotator', 'researcher'] as const) {
      // Even a malformed query gets the role answer, not a validation message.
      const { response, opened } = await get('format=nonsense', role);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: string }).error).toContain('admin');
      expect(opened).toBe(false);
    }
  });

  it('answers 400 in words for bad parameters', async () => {
    for (const query of ['format=xml', 'format=csv&run=abc', 'format=csv&from=yesterday', 'format=csv&choice=maybe', 'format=csv&from=2025-03-02&to=2025-03-01']) {
      const { response, opened } = await get(query, 'admin');
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: string }).error.length).toBeGreaterThan(5);
      expect(opened).toBe(false);
    }
  });

  it('streams the download to an admin with a filename and content type', async () => {
    const { response } = await get('format=jsonl&run=all&from=&to=&annotator=&choice=', 'admin');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="labels-all-2025-06-07.jsonl"');
    expect(response.body).toBeInstanceOf(ReadableStream);
    expect(readJsonl(await response.text()).map((r) => r.label_id)).toEqual(labelIds);

    const parquet = await get('format=parquet&run=1&emails=1', 'admin');
    expect(parquet.response.headers.get('content-disposition')).toContain('labels-run-1-2025-06-07.parquet');
    const records = await readParquet(new Uint8Array(await parquet.response.arrayBuffer()));
    expect(records).toHaveLength(3);
    expect(records[0]!.annotator).toMatch(/@example\.com$/);
  });
});

import { expect, test, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import { readCsv, readJsonl, readParquet, type ReadBackRecord } from '../../server/export/readBack';
import { ACCOUNTS, openTestDb, signIn, signOut } from './helpers';

/**
 * A stopped run of its own (never served to annotators, so the other specs' queues are
 * untouched) with three labels written straight into the server's database.
 */
function seedExportRun(): { runId: number; labelIds: number[] } {
  const file = process.env.E2E_DATABASE_PATH!;
  const db = new Database(file, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  try {
    return db.transaction(() => {
      const userId = (email: string) => (db.prepare('SELECT id FROM users WHERE email = ?').get(email) as { id: number }).id;
      const now = Date.now();
      const runId = Number(
        db.prepare(`INSERT INTO runs (name, env_id, algorithm, config, instructions, status, created_at, updated_at)
                    VALUES ('export e2e', 'grid5', 'sobirl', '{}', 'Pick the clip nearer the goal.', 'stopped', ?, ?)`).run(now, now).lastInsertRowid,
      );
      const clip = (seed: number) =>
        Number(
          db.prepare(`INSERT INTO clips (run_id, env_id, seed, states, actions, log_probs, true_return, format_version, created_at)
                      VALUES (?, 'grid5', ?, ?, ?, ?, ?, 1, ?)`)
            .run(runId, seed, JSON.stringify([{ row: 0, col: seed }, { row: 1, col: seed }]), JSON.stringify([seed % 4]), JSON.stringify([-1.386]), seed * 0.5, now).lastInsertRowid,
        );
      const pair = (seed: number) =>
        Number(db.prepare(`INSERT INTO pairs (run_id, clip_a_id, clip_b_id, status, labels_wanted, created_at) VALUES (?, ?, ?, 'done', 2, ?)`).run(runId, clip(seed), clip(seed + 1), now).lastInsertRowid);
      const [p1, p2] = [pair(0), pair(2)];
      const label = (pairId: number, email: string, choice: string, y: number | null, i: number) =>
        Number(
          db.prepare(`INSERT INTO labels (submission_id, pair_id, user_id, choice, y, shown_at, answered_at, response_ms, created_at)
                      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
            .run(`export-e2e-${runId}-${i}`, pairId, userId(email), choice, y, now - 2000 + i, now + i, 2000, now + i).lastInsertRowid,
        );
      const labelIds = [
        label(p1, ACCOUNTS.annotator1.email, 'left', 1, 0),
        label(p1, ACCOUNTS.annotator2.email, 'equal', 0.5, 1),
        label(p2, ACCOUNTS.annotator1.email, 'cant_tell', null, 2),
      ];
      return { runId, labelIds };
    })();
  } finally {
    db.close();
  }
}

/** The record the export must contain for `labelId`, read from the database independently. */
function recordFromDb(labelId: number): ReadBackRecord {
  const db = openTestDb();
  try {
    const row = db.prepare(
      `SELECT l.id, l.pair_id, l.choice, l.y, l.shown_at, l.answered_at, l.response_ms, u.pseudonym, p.run_id,
              ca.id AS a_id, ca.seed AS a_seed, ca.states AS a_states, ca.actions AS a_actions, ca.true_return AS a_ret,
              cb.id AS b_id, cb.states AS b_states
         FROM labels l JOIN users u ON u.id = l.user_id JOIN pairs p ON p.id = l.pair_id
         JOIN clips ca ON ca.id = p.clip_a_id JOIN clips cb ON cb.id = p.clip_b_id WHERE l.id = ?`,
    ).get(labelId) as Record<string, string | number | null>;
    return {
      label_id: row.id, pair_id: row.pair_id, run_id: row.run_id, annotator: row.pseudonym, choice: row.choice, y: row.y,
      shown_at: row.shown_at, answered_at: row.answered_at, response_ms: row.response_ms,
      clip_a_id: row.a_id, clip_a_seed: row.a_seed, clip_a_observations: JSON.parse(String(row.a_states)),
      clip_a_actions: JSON.parse(String(row.a_actions)), clip_a_true_return: row.a_ret,
      clip_b_id: row.b_id, clip_b_observations: JSON.parse(String(row.b_states)),
    };
  } finally {
    db.close();
  }
}

async function download(page: Page, button: string): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  const filePath = await file.path();
  return { name: file.suggestedFilename(), bytes: fs.readFileSync(filePath) };
}

test('an annotator is refused the export URL; so is a visitor who is not signed in', async ({ page, playwright }) => {
  const anonymous = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  expect((await anonymous.get('/api/export?format=jsonl')).status()).toBe(401);
  await anonymous.dispose();

  await signIn(page, ACCOUNTS.annotator1);
  const refused = await page.request.get('/api/export?format=jsonl&run=all');
  expect(refused.status()).toBe(403);
  expect(await refused.text()).toContain('admin');
  expect((await page.goto('/admin/export'))?.status()).toBe(403);
  await signOut(page);
});

test('an admin downloads JSONL, CSV and Parquet from /admin/export and each file matches the database', async ({ page }) => {
  const { runId, labelIds } = seedExportRun();
  const expected = recordFromDb(labelIds[1]!);

  await signIn(page, ACCOUNTS.admin);
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('link', { name: 'Export the labeled dataset' }).click();
  await expect(page.getByRole('heading', { name: 'Export labels' })).toBeVisible();
  const form = page.getByRole('form', { name: 'Export labels' });
  // The run list arrives from tRPC; pick the seeded run.
  await expect(form.getByLabel('Run').locator(`option[value="${runId}"]`)).toHaveCount(1);
  await form.getByLabel('Run').selectOption(String(runId));

  const files: Record<string, ReadBackRecord[]> = {};
  const jsonl = await download(page, 'Download JSONL');
  expect(jsonl.name).toMatch(new RegExp(`^labels-run-${runId}-\\d{4}-\\d{2}-\\d{2}\\.jsonl$`));
  files.jsonl = readJsonl(jsonl.bytes.toString('utf8'));
  const csv = await download(page, 'Download CSV');
  expect(csv.name).toMatch(/\.csv$/);
  files.csv = readCsv(csv.bytes.toString('utf8')).records;
  const parquet = await download(page, 'Download Parquet');
  expect(parquet.name).toMatch(/\.parquet$/);
  expect(parquet.bytes.subarray(0, 4).toString('latin1')).toBe('PAR1');
  files.parquet = await readParquet(new Uint8Array(parquet.bytes));

  for (const [format, records] of Object.entries(files)) {
    expect(records.map((r) => r.label_id), format).toEqual(labelIds);
    expect(records.every((r) => r.schema_version === 1 && r.run_name === 'export e2e'), format).toBe(true);
    const record = records.find((r) => r.label_id === labelIds[1])!;
    expect(record, format).toMatchObject(expected);
    expect(records.find((r) => r.choice === 'cant_tell')!.y, format).toBeNull();
  }

  // A filter narrows the download: only the run's 'left' labels.
  await form.getByLabel('Choice').selectOption('left');
  const left = readJsonl((await download(page, 'Download JSONL')).bytes.toString('utf8'));
  expect(left.map((r) => r.label_id)).toEqual([labelIds[0]]);
  await signOut(page);
});

import { expect, test, type APIRequestContext } from '@playwright/test';
import Database from 'better-sqlite3';
import { ACCOUNTS, openTestDb, signIn } from './helpers';

// Runs after admin.spec.ts and labeling.spec.ts (files run in name order, one worker): it drains
// the queue, which the other specs need full.

test('a submit that hits a network failure is retried with the same id and stored once', async ({ page }) => {
  let aborted = 0;
  await page.route('**/api/trpc/**', async (route) => {
    if (aborted === 0 && route.request().url().includes('label.submit')) {
      aborted++;
      await route.abort('failed');
      return;
    }
    await route.continue();
  });
  await signIn(page, ACCOUNTS.annotator2);
  await expect(page.locator('[data-slot="next"] canvas')).toHaveCount(2);
  const pairId = Number(await page.locator('.label-page').getAttribute('data-pair-id'));
  await page.waitForTimeout(150);
  await page.keyboard.press('ArrowUp');
  await expect.poll(() => aborted).toBe(1);
  await expect(page.locator('.status-line .saving')).toHaveCount(0);

  const db = openTestDb();
  try {
    const rows = db.prepare(
      `select l.choice, l.submission_id as submissionId from labels l join users u on u.id = l.user_id
        where u.email = ? and l.pair_id = ?`,
    ).all(ACCOUNTS.annotator2.email, pairId);
    expect(rows).toEqual([{ choice: 'equal', submissionId: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
  } finally {
    db.close();
  }
});

test('Z more than 30 s after a label says it is too late to undo', async ({ page }) => {
  await page.clock.install();
  await signIn(page, ACCOUNTS.annotator2);
  await expect(page.locator('[data-slot="next"] canvas')).toHaveCount(2);
  const pairId = Number(await page.locator('.label-page').getAttribute('data-pair-id'));
  await page.waitForTimeout(150);
  await page.keyboard.press('ArrowLeft');
  await expect.poll(async () => Number(await page.locator('.label-page').getAttribute('data-pair-id'))).not.toBe(pairId);
  await expect(page.locator('.status-line .saving')).toHaveCount(0);
  await page.clock.fastForward('00:31');
  await page.keyboard.press('z');
  await expect(page.getByTestId('toast')).toHaveText('Too late to undo');
  expect(Number(await page.locator('.label-page').getAttribute('data-pair-id'))).not.toBe(pairId);
});

async function trpcQuery(request: APIRequestContext, path: string, input: unknown) {
  const res = await request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`);
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()).result.data;
}

async function trpcMutation(request: APIRequestContext, path: string, input: unknown) {
  const res = await request.post(`/api/trpc/${path}`, { data: input });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()).result.data;
}

test('an empty queue says so, polls by itself, and shows a new pair when the trainer adds one', async ({ page }) => {
  await signIn(page, ACCOUNTS.researcher);
  // Drain the researcher's queue through the API, as a fast annotator would.
  for (let guard = 0; guard < 500; guard++) {
    const { pair } = await trpcQuery(page.request, 'label.next', {});
    if (!pair) break;
    const now = Date.now();
    await trpcMutation(page.request, 'label.submit', {
      submissionId: crypto.randomUUID(), pairId: pair.id, choice: 'cant_tell', shownAt: now - 500, answeredAt: now,
    });
  }
  await page.goto('/label');
  await expect(page.getByTestId('queue-empty')).toContainText('No pairs waiting — checking again…');
  await expect(page.getByRole('button', { name: /Left better/ })).toBeDisabled();

  // The trainer (another process) writes a new pending pair into the shared database.
  const file = process.env.E2E_DATABASE_PATH!;
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  let newPairId: number;
  try {
    const template = db.prepare('select run_id, clip_a_id, clip_b_id from pairs order by id limit 1').get() as { run_id: number; clip_a_id: number; clip_b_id: number };
    newPairId = Number(db.prepare(
      `insert into pairs (run_id, clip_a_id, clip_b_id, priority, labels_wanted, status, created_at)
       values (?, ?, ?, 100, 1, 'pending', ?)`,
    ).run(template.run_id, template.clip_b_id, template.clip_a_id, Date.now()).lastInsertRowid);
  } finally {
    db.close();
  }
  // No reload: the page's own polling finds it.
  await expect(page.locator('.label-page')).toHaveAttribute('data-pair-id', String(newPairId), { timeout: 15_000 });
  await expect(page.locator('[data-slot="current"] canvas')).toHaveCount(2);
});

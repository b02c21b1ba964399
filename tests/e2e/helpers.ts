import { expect, type APIRequestContext, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { E2E_PASSWORDS } from '../../playwright.config';

export const ACCOUNTS = {
  admin: { email: 'admin@example.com', password: E2E_PASSWORDS.admin },
  researcher: { email: 'researcher@example.com', password: E2E_PASSWORDS.researcher },
  annotator1: { email: 'annotator1@example.com', password: E2E_PASSWORDS.annotator },
  annotator2: { email: 'annotator2@example.com', password: E2E_PASSWORDS.annotator },
} as const;

export async function signIn(page: Page, account: { email: string; password: string }, landing = '/label') {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === landing);
}

/** The demo grid5 run that `npm start` seeds (db/seed.ts). */
export const DEMO_GRID5 = 'Demo: grid5';

/** From the annotator home (/label), opens a run's labeling page by its card, as a person would. */
export async function labelRun(page: Page, runName: string = DEMO_GRID5) {
  await page.goto('/label');
  const card = page.locator('.run-card').filter({ has: page.getByRole('heading', { name: runName }) });
  await card.getByRole('link', { name: 'Label this run' }).click();
  await page.waitForURL(/\/label\?run=\d+$/);
  await expect(page.getByTestId('run-name')).toHaveText(runName);
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((url) => url.pathname === '/signin');
  await expect(page.getByTestId('whoami')).toHaveCount(0);
}

/** The SQLite file the server under test writes (set by playwright.config.ts). */
export function openTestDb(): Database.Database {
  const file = process.env.E2E_DATABASE_PATH;
  if (!file) throw new Error('E2E_DATABASE_PATH is not set; run through playwright.config.ts');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

/** A writable connection to the server's database (setup the UI has no shortcut for). */
export function openWritableTestDb(): Database.Database {
  const db = new Database(process.env.E2E_DATABASE_PATH!, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Inserts an active run as runs.create would (the trainer service fills every other default); returns its id. */
export function insertRun(run: { name: string; envId: string; algorithm: string; config: object; instructions: string; labelBatchSize: number; labelsWanted?: number }): number {
  const db = openWritableTestDb();
  try {
    const now = Date.now();
    const info = db
      .prepare(
        `insert into runs (name, env_id, algorithm, config, instructions, status, labels_wanted, label_batch_size, iteration, created_at, updated_at)
         values (?, ?, ?, ?, ?, 'active', ?, ?, 0, ?, ?)`,
      )
      .run(run.name, run.envId, run.algorithm, JSON.stringify(run.config), run.instructions, run.labelsWanted ?? 1, run.labelBatchSize, now, now);
    return Number(info.lastInsertRowid);
  } finally {
    db.close();
  }
}

export function setRunStatus(runIds: readonly number[], status: 'active' | 'paused' | 'stopped'): void {
  const db = openWritableTestDb();
  try {
    for (const id of runIds) db.prepare('update runs set status = ? where id = ?').run(status, id);
  } finally {
    db.close();
  }
}

export function runIteration(runId: number): number {
  const db = openTestDb();
  try {
    return (db.prepare('select iteration from runs where id = ?').get(runId) as { iteration: number }).iteration;
  } finally {
    db.close();
  }
}

/** A tRPC query over real HTTP as the signed-in user of `request`; fails the test on a non-200. */
export async function trpcQuery(request: APIRequestContext, path: string, input?: unknown) {
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await request.get(`/api/trpc/${path}${query}`);
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()).result.data;
}

/** A tRPC mutation (POST) over real HTTP; fails the test on a non-200. */
export async function trpcMutation(request: APIRequestContext, path: string, input: unknown) {
  const res = await request.post(`/api/trpc/${path}`, { data: input });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()).result.data;
}

/** Rows of one SQL query against the server's database (read-only). */
export function dbRows<T>(sql: string, ...params: unknown[]): T[] {
  const db = openTestDb();
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

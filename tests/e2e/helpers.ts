import { expect, type Page } from '@playwright/test';
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

import { expect, test } from '@playwright/test';
import { ACCOUNTS, signIn, signOut } from './helpers';

test('a wrong password gets a clear error', async ({ page }) => {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(ACCOUNTS.annotator1.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.form-error')).toHaveText(/Wrong email or password/);
  await expect(page).toHaveURL(/\/signin/);
});

test('the navigation follows the role', async ({ page }) => {
  const nav = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
  await signIn(page, ACCOUNTS.researcher);
  await expect(nav).toHaveText(['Label', 'Runs']);
  await page.getByRole('link', { name: 'Runs' }).click();
  await expect(page.getByRole('heading', { name: 'Runs' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Label this run' }).first()).toBeVisible();
  // A researcher is not an admin either.
  expect((await page.goto('/admin'))?.status()).toBe(403);
  await signOut(page);
  await signIn(page, ACCOUNTS.admin);
  await expect(nav).toHaveText(['Label', 'Runs', 'Admin']);
  await signOut(page);
});

test('an admin creates a user, resets their password, and that user signs in', async ({ page }) => {
  const email = `new-annotator-${Date.now()}@example.com`;
  await signIn(page, ACCOUNTS.admin);
  await page.getByRole('link', { name: 'Admin' }).click();
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  await expect(page.getByTestId(`user-row-${ACCOUNTS.annotator1.email}`)).toBeVisible();

  const form = page.getByRole('form', { name: 'Create a user' });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Name').fill('New Annotator');
  await form.getByLabel('Role').selectOption('annotator');
  await form.getByLabel('Password').fill('first-password-1');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Created ${email}` })).toBeVisible();
  const row = page.getByTestId(`user-row-${email}`);
  await expect(row).toContainText('annotator');

  // A duplicate email is refused in words.
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Name').fill('Again');
  await form.getByLabel('Password').fill('first-password-1');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(form.getByRole('alert')).toContainText('exists');

  await row.getByLabel(`New password for ${email}`).fill('second-password-2');
  await row.getByRole('button', { name: 'Reset' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Password of ${email} reset.` })).toBeVisible();
  await signOut(page);

  await signIn(page, { email, password: 'second-password-2' });
  await expect(page.getByTestId('whoami')).toContainText('New Annotator');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link')).toHaveText(['Label']);
  await expect(page.locator('[data-slot="current"] canvas')).toHaveCount(2);
  await signOut(page);

  // The old password no longer works.
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('first-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.form-error')).toHaveText(/Wrong email or password/);
});

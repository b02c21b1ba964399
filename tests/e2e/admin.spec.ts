import { expect, test } from '@playwright/test';
import { ACCOUNTS, labelRun, signIn, signOut } from './helpers';

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
  await labelRun(page);
  await expect(page.locator('[data-slot="current"] canvas')).toHaveCount(2);
  await signOut(page);

  // The old password no longer works.
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('first-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('.form-error')).toHaveText(/Wrong email or password/);
});

test('an admin disables a user (their session stops at once), changes a role, and every form error is a sentence', async ({ page, browser }) => {
  const email = `managed-${Date.now()}@example.com`;
  await signIn(page, ACCOUNTS.admin);
  await page.goto('/admin');
  const form = page.getByRole('form', { name: 'Create a user' });
  // The limits are said before anyone types.
  await expect(form).toContainText('At least 8 characters, at most 72 bytes.');
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Name').fill('Managed User');
  await form.getByLabel('Password').fill('short');
  await form.getByRole('button', { name: 'Create user' }).click();
  const error = form.getByRole('alert');
  await expect(error).toHaveText('The password must be at least 8 characters long.');
  await form.getByLabel('Password').fill('long-enough-password');
  await form.getByRole('button', { name: 'Create user' }).click();
  const row = page.getByTestId(`user-row-${email}`);
  await expect(row).toBeVisible();

  // A too-short reset in the table: one sentence, and the table keeps its shape.
  await row.getByLabel(`New password for ${email}`).fill('abc');
  await row.getByRole('button', { name: 'Reset' }).click();
  await expect(row.getByRole('alert')).toHaveText('The password must be at least 8 characters long.');
  // Every alert of the admin page (Next's route announcer, also role=alert, is outside <main>).
  for (const alert of await page.locator('main').getByRole('alert').allTextContents()) {
    expect(alert).not.toMatch(/[[{]|"code"|too_small/);
    expect(alert).toMatch(/^[A-Z].*\.$/);
  }

  const userContext = await browser.newContext();
  try {
    const user = await userContext.newPage();
    await signIn(user, { email, password: 'long-enough-password' });
    await expect(user.getByRole('heading', { name: 'Your labeling runs' })).toBeVisible();

    // Role: annotator -> researcher; the API follows at the next request, the nav too.
    expect((await user.request.get('/api/trpc/runs.list')).status()).toBe(403);
    await row.getByLabel(`Role of ${email}`).selectOption('researcher');
    await expect(page.getByRole('status').filter({ hasText: `${email} is now researcher.` })).toBeVisible();
    expect((await user.request.get('/api/trpc/runs.list')).status()).toBe(200);
    await user.reload();
    await expect(user.getByTestId('whoami')).toContainText('(researcher)');
    await expect(user.getByRole('navigation', { name: 'Main' }).getByRole('link')).toHaveText(['Label', 'Runs']);

    // Disable: the same session loses the API and the pages at once.
    await row.getByRole('button', { name: 'Disable' }).click();
    await expect(page.getByTestId(`state-${email}`)).toHaveText('disabled');
    expect((await user.request.post('/api/trpc/label.next', { data: {} })).status()).toBe(401);
    await user.goto('/label');
    await expect(user).toHaveURL(/\/signin/);
    await expect(user.getByTestId('whoami')).toHaveCount(0);
    // Nor can they sign in again.
    await user.getByLabel('Email').fill(email);
    await user.getByLabel('Password').fill('long-enough-password');
    await user.getByRole('button', { name: 'Sign in' }).click();
    await expect(user.locator('.form-error')).toBeVisible();
  } finally {
    await userContext.close();
  }
  await row.getByRole('button', { name: 'Enable' }).click();
  await expect(page.getByTestId(`state-${email}`)).toHaveText('active');
});

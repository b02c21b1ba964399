import { defineConfig, devices } from '@playwright/test';
import os from 'node:os';
import path from 'node:path';

/**
 * End-to-end tests in Debian's Chromium against a production build (`next build && next start`)
 * on a fresh SQLite file. Set E2E_SKIP_BUILD=1 to reuse an existing .next build while iterating
 * (`scripts/start.ts` still builds when none exists).
 */
const port = Number(process.env.E2E_PORT ?? 3107);
// Same host in baseURL and NEXTAUTH_URL, or the session cookie is lost.
const baseURL = `http://127.0.0.1:${port}`;

// Decided once in the runner; the workers inherit it through the environment, so the tests
// read the same file the server writes.
process.env.E2E_DATABASE_PATH ??= path.join(os.tmpdir(), `sobirl-e2e-${process.pid}-${Date.now()}`, 'app.sqlite');

export const E2E_PASSWORDS = {
  admin: 'e2e-admin-password',
  researcher: 'e2e-researcher-password',
  annotator: 'e2e-annotator-password',
} as const;

const startCommand = process.env.E2E_SKIP_BUILD ? 'npx tsx scripts/start.ts' : 'npx next build && npx tsx scripts/start.ts';

export default defineConfig({
  testDir: 'tests/e2e',
  // One server, one database: the specs run one after the other.
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  reporter: 'list',
  use: {
    ...devices['Desktop Chrome'],
    baseURL,
    viewport: { width: 1366, height: 768 },
    deviceScaleFactor: 1,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
      ],
    },
  },
  webServer: {
    command: startCommand,
    // Up when BOTH processes say so (in either order): `next start` ("Ready in") and the trainer
    // service ("trainer: ready"), which the closed-loop specs need. (With `url` as well,
    // Playwright would take whichever came first.) START_TRAINER=0 runs the web server alone.
    wait: { stdout: process.env.START_TRAINER === '0' ? /Ready in/ : /^(?=[\s\S]*Ready in)(?=[\s\S]*trainer: ready)/ },
    // SIGTERM reaches scripts/start.ts, which forwards it: the trainer finishes its pass and exits.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    // A production build on two shared cores takes minutes.
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
      PORT: String(port),
      HOSTNAME: '127.0.0.1',
      NEXTAUTH_URL: baseURL,
      NEXTAUTH_SECRET: 'e2e-secret-not-for-production-0123456789',
      DATABASE_PATH: process.env.E2E_DATABASE_PATH,
      DEMO_ADMIN_PASSWORD: E2E_PASSWORDS.admin,
      DEMO_RESEARCHER_PASSWORD: E2E_PASSWORDS.researcher,
      DEMO_ANNOTATOR_PASSWORD: E2E_PASSWORDS.annotator,
    },
  },
});

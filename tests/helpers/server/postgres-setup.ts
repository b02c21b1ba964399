import { assertPostgresReachable, testPostgresUrl } from './postgres';

/** vitest globalSetup of vitest.postgres.config.ts: no server, no run (the error says where it looked). */
export default async function setup(): Promise<void> {
  await assertPostgresReachable();
  console.log(`PostgreSQL suites on ${testPostgresUrl().replace(/\/\/[^@]*@/, '//')}`);
}

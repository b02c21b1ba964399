import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { closeDb, openPostgres } from '@/db/client';
import { migrateDb } from '@/db/migrate';
import type { FreshDb } from './fixtures';

/** The server the PostgreSQL runs of the suites use (.ci/run starts one on a free port and sets this). */
export function testPostgresUrl(): string {
  return process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres';
}

/** Connects once to the test server, or throws saying where it looked and how to get one. */
export async function assertPostgresReachable(url: string = testPostgresUrl()): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(
      `TEST_DATABASE=postgres but no PostgreSQL answers at ${url} (${(error as Error).message}): ` +
        'start one (see .ci/run: initdb + pg_ctl on a free port) and set TEST_POSTGRES_URL',
    );
  } finally {
    await client.end().catch(() => {});
  }
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testPostgresUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new database on the test server, migrated; `cleanup` drops it. */
export async function freshPostgresDb(label: string): Promise<FreshDb> {
  const name = `t_${label.replace(/\W/g, '_').slice(0, 30)}_${randomUUID().slice(0, 8)}`.toLowerCase();
  await adminQuery(`create database "${name}"`);
  const url = new URL(testPostgresUrl());
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString());
  await migrateDb(db);
  return {
    db,
    file: '',
    env: { DATABASE_URL: url.toString() },
    cleanup: async () => {
      await closeDb(db);
      await adminQuery(`drop database if exists "${name}" with (force)`);
    },
  };
}

import { defineConfig } from 'drizzle-kit';

/** PostgreSQL migrations (db/schema-pg.ts, the PostgreSQL form of db/schema.ts): `npx drizzle-kit generate --config drizzle-pg.config.ts`. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema-pg.ts',
  out: './db/migrations-pg',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://localhost/sobirl' },
  strict: true,
  verbose: true,
});

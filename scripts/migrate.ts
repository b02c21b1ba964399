/**
 * `npm run db:migrate`: applies the pending migrations of the configured database and exits:
 * PostgreSQL at DATABASE_URL (db/migrations-pg/), else the SQLite file at DATABASE_PATH
 * (db/migrations/). No demo seed (that is `npm start` on an empty database). The step a
 * deployment runs once per release before starting its web replicas and trainers; running it
 * again, or from several machines at once, is harmless (db/migrate.ts: applied migrations are
 * recorded, and on PostgreSQL an advisory lock makes the others wait).
 */
import { closeDb, openConfiguredDb, postgresUrlFrom, resolveDatabasePath } from '../db/client';
import { migrateDb } from '../db/migrate';

const db = openConfiguredDb();
try {
  await migrateDb(db);
  console.log(`db:migrate: ${postgresUrlFrom() ? 'PostgreSQL at DATABASE_URL' : resolveDatabasePath()} is up to date`);
} finally {
  await closeDb(db);
}

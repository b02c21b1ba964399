import { pathToFileURL } from 'node:url';
import { closeDb, openDb, openPostgres, postgresUrlFrom, resolveDatabasePath, type Db } from '../../db/client';
import { migrateDb } from '../../db/migrate';
import { seedIfEmpty, type SeedResult } from './seed';

/**
 * What `npm start` does to the database before serving: open (creating the SQLite file), apply
 * migrations, seed the demo on an empty database. Returns the open handle. `file` is the SQLite
 * file; a DATABASE_URL (postgres://) takes precedence, as in the web app and the trainer.
 */
export async function prepareDatabase(
  file: string = resolveDatabasePath(),
  log: (line: string) => void = console.log,
  postgresUrl: string | null = postgresUrlFrom(),
): Promise<{ db: Db; seed: SeedResult }> {
  const db = postgresUrl ? openPostgres(postgresUrl, 2) : openDb(file);
  await migrateDb(db);
  const seed = await seedIfEmpty(db, { log });
  return { db, seed };
}

// `npx tsx scripts/seed/setup.ts`: prepare the database at DATABASE_URL or DATABASE_PATH and exit
// (the migration step of a deployment on PostgreSQL, before the web replicas start).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = resolveDatabasePath();
  const { db } = await prepareDatabase(file);
  await closeDb(db);
  console.log(`database ready at ${postgresUrlFrom() ? 'DATABASE_URL (PostgreSQL)' : file}`);
}

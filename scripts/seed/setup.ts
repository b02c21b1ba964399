import { pathToFileURL } from 'node:url';
import { openDb, resolveDatabasePath, type Db } from '../../db/client';
import { migrateDb } from '../../db/migrate';
import { seedIfEmpty, type SeedResult } from './seed';

/**
 * What `npm start` does to the database before serving: open (creating the file), apply
 * migrations, seed the demo on an empty database. Returns the open handle.
 */
export function prepareDatabase(
  file: string = resolveDatabasePath(),
  log: (line: string) => void = console.log,
): { db: Db; seed: SeedResult } {
  const db = openDb(file);
  migrateDb(db);
  const seed = seedIfEmpty(db, { log });
  return { db, seed };
}

// `npx tsx scripts/seed/setup.ts`: prepare the database at DATABASE_PATH and exit.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = resolveDatabasePath();
  const { db } = prepareDatabase(file);
  db.$client.close();
  console.log(`database ready at ${file}`);
}

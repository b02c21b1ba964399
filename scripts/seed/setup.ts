import { pathToFileURL } from 'node:url';
import { closeDb, openDb, resolveDatabasePath, type Db } from '../../db/client';
import { migrateDb } from '../../db/migrate';
import { seedIfEmpty, type SeedResult } from './seed';

/**
 * What `npm start` does to the database before serving: open (creating the file), apply
 * migrations, seed the demo on an empty database. Returns the open handle.
 */
export async function prepareDatabase(
  file: string = resolveDatabasePath(),
  log: (line: string) => void = console.log,
): Promise<{ db: Db; seed: SeedResult }> {
  const db = openDb(file);
  await migrateDb(db);
  const seed = await seedIfEmpty(db, { log });
  return { db, seed };
}

// `npx tsx scripts/seed/setup.ts`: prepare the database at DATABASE_PATH and exit.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = resolveDatabasePath();
  const { db } = await prepareDatabase(file);
  await closeDb(db);
  console.log(`database ready at ${file}`);
}

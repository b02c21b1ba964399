import { closeDb, openConfiguredDb } from '@/db/client';
import { startFuzzServer } from './fuzzServer';

/**
 * One web replica as its own OS process, for the scale-out test (tests/integration/scale-out.test.ts):
 *   node --import tsx tests/helpers/server/web-process.ts     (DATABASE_URL or DATABASE_PATH in the environment)
 * The app's own request handlers over real HTTP (fuzzServer.ts: the request guard, the tRPC
 * fetch adapter with the app router; sessions by the x-fuzz-session claims header, checked
 * against the users table as a session cookie's are), on its own database connection. Prints
 * `ready <url>` once listening; SIGTERM closes the connection and exits (1 if a handler crashed).
 */
const db = openConfiguredDb();
const server = await startFuzzServer(db);
process.stdout.write(`ready ${server.url}\n`);
process.on('SIGTERM', () => {
  // Not server.close(): it waits for the clients' keep-alive connections. The test stops its
  // annotators before it stops the replicas, so no request is in flight here.
  void closeDb(db).finally(() => {
    if (server.crashes.length > 0) process.stderr.write(`web-process: ${server.crashes.length} handler crash(es): ${String(server.crashes[0])}\n`);
    process.exit(server.crashes.length > 0 ? 1 : 0);
  });
});

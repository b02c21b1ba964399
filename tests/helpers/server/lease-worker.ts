import { randomUUID } from 'node:crypto';
import { closeDb, openConfiguredDb } from '@/db/client';
import { leaseNextPair } from '@/server/queue';
import { submitLabel } from '@/server/labeling';

/**
 * A separate OS process hammering the queue, for the concurrency test:
 *   DATABASE_PATH=<db file> | DATABASE_URL=postgres://... tsx tests/helpers/server/lease-worker.ts <user id> <lease|label>
 * It prints 'ready' once the database is open and starts when a line arrives on stdin, so the
 * test can release every worker at the same instant.
 * `lease`: lease pairs until none is left (excluding the ones already held, as a prefetching
 * page does) and print their ids. `label`: lease and answer each pair at once, until none.
 * Prints one JSON line: { pairIds, busyErrors }.
 */
const [userIdArg, mode] = process.argv.slice(2);
if (!userIdArg || (mode !== 'lease' && mode !== 'label')) {
  throw new Error('usage: DATABASE_PATH=... | DATABASE_URL=... lease-worker.ts <user id> <lease|label>');
}
const userId = Number(userIdArg);
// The test's database, SQLite file or PostgreSQL, as the web app opens it.
const db = openConfiguredDb();

process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
process.stdin.pause();

const pairIds: number[] = [];
const pause = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  const now = Date.now();
  const pair = await leaseNextPair(db, { userId, excludePairIds: mode === 'lease' ? pairIds : [], now });
  if (!pair) break;
  pairIds.push(pair.id);
  // A short pause, as a page showing a pair would: without it one process can drain the whole
  // queue before the scheduler even starts the others, and nothing would race.
  Atomics.wait(pause, 0, 0, 1 + (pairIds.length % 3));
  if (mode === 'label') {
    await submitLabel(db, { id: userId, role: 'annotator' }, { submissionId: randomUUID(), pairId: pair.id, choice: 'left', shownAt: now, answeredAt: now }, now);
  }
}
await closeDb(db);
process.stdout.write(JSON.stringify({ pairIds }) + '\n');

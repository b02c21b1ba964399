/**
 * Starts a worker thread on a TypeScript file. Node 20 cannot load `.ts` itself, and a worker
 * given `--import tsx` in its execArgv still fails on its entry file (ERR_UNKNOWN_FILE_EXTENSION,
 * measured here with tsx 4.23 on Node 20.20: the loader is registered after the entry is
 * resolved). So the worker starts on typescript-worker.mjs, which registers tsx's loader in the
 * worker and then imports the entry. This works whatever started the process (`tsx`,
 * `node --import tsx`, vitest): it does not depend on the parent's loader.
 */
import { Worker } from 'node:worker_threads';

const BOOTSTRAP = new URL('./typescript-worker.mjs', import.meta.url);

export function startTypeScriptWorker(entry: URL, workerData: unknown): Worker {
  return new Worker(BOOTSTRAP, { workerData, argv: [entry.href], execArgv: [] });
}

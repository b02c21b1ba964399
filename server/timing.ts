import fs from 'node:fs';
import { getServerEnv } from './env';

/**
 * Server-side request timings for `npm run bench:load`: with SERVER_TIMING_FILE set, the tRPC
 * route appends one line per request, `<epoch ms>\t<procedure path>\t<ms>`, measured from the
 * handler's entry (session decode and context included) to the response. Measured inside the
 * server, so the load client's CPU (on the same machine) is not in them. Lines are buffered and
 * written once a second (asynchronously, one append): a kill -9 loses at most the last second.
 * Off (no file, nothing kept) when the variable is unset.
 */
let buffer: string[] = [];
let timer: NodeJS.Timeout | null = null;

function flush(file: string): void {
  timer = null;
  if (buffer.length === 0) return;
  const chunk = buffer.join('');
  buffer = [];
  fs.appendFile(file, chunk, () => {});
}

export function recordTiming(paths: string, ms: number): void {
  const file = getServerEnv().serverTimingFile;
  if (!file) return;
  buffer.push(`${Date.now()}\t${paths}\t${ms.toFixed(2)}\n`);
  timer ??= setTimeout(() => flush(file), 1000);
}

/** The procedure path(s) of a tRPC URL: '/api/trpc/label.next' -> 'label.next'. */
export function procedurePaths(url: string): string {
  const pathname = new URL(url).pathname;
  const i = pathname.indexOf('/api/trpc/');
  return i < 0 ? '?' : decodeURIComponentSafe(pathname.slice(i + '/api/trpc/'.length));
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

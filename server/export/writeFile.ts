import fs from 'node:fs';
import { once } from 'node:events';
import type { Db } from '@/db/client';
import { exportChunks } from './export';
import type { ExportFilters, ExportFormat } from './schema';

/**
 * Writes an export to `out` ('-' for stdout) chunk by chunk, waiting for the stream to drain
 * so memory stays at one page. A file is written as `out.partial` and renamed at the end, so
 * a failed or interrupted export never leaves a truncated file under the real name.
 */
export async function writeExportFile(
  db: Db,
  format: ExportFormat,
  filters: ExportFilters,
  out: string,
  options: { pageSize?: number; onPage?: (rows: number) => void } = {},
): Promise<{ bytes: number }> {
  const toStdout = out === '-';
  const target = toStdout ? out : `${out}.partial`;
  const stream = toStdout ? process.stdout : fs.createWriteStream(target);
  let bytes = 0;
  try {
    for await (const chunk of exportChunks(db, format, filters, options)) {
      bytes += chunk.byteLength;
      if (!stream.write(chunk)) await once(stream, 'drain');
    }
    if (!toStdout) {
      (stream as fs.WriteStream).end();
      await once(stream, 'finish');
      fs.renameSync(target, out);
    }
  } catch (error) {
    if (!toStdout) {
      (stream as fs.WriteStream).destroy();
      fs.rmSync(target, { force: true });
    }
    throw error;
  }
  return { bytes };
}

import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * The export schema (docs/export-schema.md) as plain text, so the export page can link to it
 * instead of naming a file in the repository. Read at request time: it is a document, not code.
 */
export async function GET(): Promise<Response> {
  try {
    const text = await fs.readFile(path.join(process.cwd(), 'docs', 'export-schema.md'), 'utf8');
    return new Response(text, { headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' } });
  } catch {
    return new Response('The export schema is not installed with this build (docs/export-schema.md).', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
}

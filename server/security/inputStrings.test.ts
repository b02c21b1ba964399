import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import type { Db } from '@/db/client';
import { runs, users } from '@/db/schema';
import { isWellFormedText, wellFormedCheck } from '@/trainer/contracts/text';
import { exportQuerySchema } from '@/server/export/schema';
import { appRouter } from '../root';
import { addUser, callerFor, freshDb } from '@/tests/helpers/server/fixtures';

let db: Db;
let cleanup: () => void;
beforeAll(async () => ({ db, cleanup } = (await freshDb('input-strings'))));
afterAll(() => cleanup());

/** zod v4's internal definition of a schema node: enough to walk an input schema. */
interface ZodNode {
  _zod: { def: Record<string, unknown> & { type: string; checks?: unknown[] } };
}

/** Every string schema inside `schema`, with the path where it sits. */
function stringsIn(schema: ZodNode, path: string, out: Array<{ path: string; node: ZodNode }>): void {
  const def = schema._zod.def;
  const child = (key: string, suffix: string) => stringsIn(def[key] as ZodNode, path + suffix, out);
  switch (def.type) {
    case 'string':
      out.push({ path, node: schema });
      return;
    case 'object':
      for (const [key, value] of Object.entries(def.shape as Record<string, ZodNode>)) stringsIn(value, `${path}.${key}`, out);
      return;
    case 'array':
      return child('element', '[]');
    case 'record':
      child('keyType', '{key}');
      return child('valueType', '{value}');
    case 'union':
      (def.options as ZodNode[]).forEach((o, i) => stringsIn(o, `${path}|${i}`, out));
      return;
    case 'pipe':
      child('in', '');
      return child('out', '');
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      return child('innerType', '');
    default:
      return; // numbers, booleans, enums, literals, transforms: no free text
  }
}

describe('every user-supplied string is well-formed text', () => {
  it('classifies NUL and unpaired surrogates as malformed, pairs and ordinary text as fine', () => {
    expect(isWellFormedText('plain ascii, accents é, CJK 中, emoji \u{1F600}')).toBe(true);
    for (const bad of ['\u0000', 'a\u0000b', '\ud800', 'x\udfff', '\ude00\ud83d', 'end\ud83d']) expect(isWellFormedText(bad)).toBe(false);
  });

  it('each string in each procedure input carries the shared check (new procedures included)', () => {
    const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { inputs: ZodNode[] } }>);
    const found: string[] = [];
    for (const [name, procedure] of procedures) {
      const strings: Array<{ path: string; node: ZodNode }> = [];
      for (const input of procedure._def.inputs) stringsIn(input, name, strings);
      for (const { path, node } of strings) {
        found.push(path);
        expect(node._zod.def.checks ?? [], `${path} lacks the well-formed check`).toContain(wellFormedCheck);
      }
    }
    // The walk reaches the strings it must (a walker that found nothing would pass vacuously).
    expect(found).toEqual(expect.arrayContaining(['runs.create.name', 'runs.create.envId', 'runs.create.instructions', 'admin.users.create.email', 'admin.users.create.name', 'label.submit.submissionId', 'inspect.metrics.names[]']));
  });

  it('the export query parameters carry it too', () => {
    const strings: Array<{ path: string; node: ZodNode }> = [];
    stringsIn(exportQuerySchema as unknown as ZodNode, 'export', strings);
    expect(strings.length).toBeGreaterThan(3);
    for (const { path, node } of strings) expect(node._zod.def.checks ?? [], path).toContain(wellFormedCheck);
  });
});

async function badRequestPaths(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('BAD_REQUEST');
    return JSON.parse((error as TRPCError).message).map((i: { path: string[] }) => i.path.join('.'));
  }
  throw new Error('the call succeeded');
}

describe('malformed strings are refused with BAD_REQUEST naming the field, nothing stored', () => {
  const MALFORMED = ['\u0000\ud800', 'name\u0000', 'lone \udc00 low', 'high \ud83d at end \ud83d'];

  it.each(MALFORMED)('runs.create with %j in name and instructions', async (bad) => {
    const caller = callerFor(db, await addUser(db, 'researcher'));
    const before = (await db.select().from(runs)).length;
    expect(await badRequestPaths(caller.runs.create({ name: bad, envId: 'grid5', instructions: 'ok' }))).toContain('name');
    expect(await badRequestPaths(caller.runs.create({ name: 'ok', envId: 'grid5', instructions: bad }))).toContain('instructions');
    expect(await badRequestPaths(caller.runs.create({ name: 'ok', envId: 'grid5', instructions: 'ok', config: { algorithm: { [bad]: 1 } } }))).toEqual([
      expect.stringMatching(/^config\.algorithm/),
    ]);
    expect((await db.select().from(runs)).length).toBe(before);
  });

  it.each(MALFORMED)('admin.users.create with %j in the name or password', async (bad) => {
    const caller = callerFor(db, await addUser(db, 'admin'));
    const before = (await db.select().from(users)).length;
    expect(await badRequestPaths(caller.admin.users.create({ email: 'n@example.com', name: bad, role: 'annotator', password: 'long enough pw' }))).toContain('name');
    expect(await badRequestPaths(caller.admin.users.create({ email: 'n@example.com', name: 'N', role: 'annotator', password: `long ${bad} pw` }))).toContain('password');
    expect((await db.select().from(users)).length).toBe(before);
  });

  it('well-formed text with astral characters is stored as given', async () => {
    const created = await callerFor(db, await addUser(db, 'researcher')).runs.create({ name: 'run \u{1F600} 中', envId: 'grid5', instructions: 'ok' });
    expect((await db.select().from(runs)).find((r) => r.id === created.id)!.name).toBe('run \u{1F600} 中');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { connectionOf, type Db } from '@/db/client';
import { users, type User } from '@/db/schema';
import { MAX_BODY_BYTES } from '../http/bodyLimit';
import { appRouter } from '../root';
import { addRun, addUser, freshDb } from '@/tests/helpers/server/fixtures';
import { MOUNTED_ROUTE_FILES, ROUTE_FILES_FUZZED_IN_E2E, startFuzzServer, type FuzzServer } from '@/tests/helpers/server/fuzzServer';
import { firstRow } from '@/db/dialect';

/**
 * Hostile input over real HTTP against the app's handlers (tests/helpers/server/fuzzServer.ts): every
 * tRPC procedure, read from the app router itself, and every route handler, with generated
 * malformed inputs (wrong types, huge and invalid strings, NaN / huge numbers, unknown enums,
 * deep nesting, invalid JSON, wrong methods, bad query params, malformed paths, oversized
 * bodies). Fails on any 5xx, any handler crash, and any row written by a request that was
 * refused (SQLite's total_changes() before and after each request, on the one connection every
 * handler uses). The generator is seeded: FUZZ_SEED=n reproduces a run (default 11).
 */

const SEED = Number(process.env.FUZZ_SEED ?? 11);
const PER_PROCEDURE = 40;

let env: Awaited<ReturnType<typeof freshDb>>;
let db: Db;
let server: FuzzServer;
let accounts: Record<'admin' | 'researcher' | 'annotator', User>;
beforeAll(async () => {
  env = (await freshDb('fuzz'));
  db = env.db;
  // Bystander accounts take the small ids that generated inputs hit (reset, disable, ...), so
  // the fuzzing accounts keep working; runs and pairs give generated ids something to find.
  for (let i = 0; i < 8; i++) await addUser(db, 'annotator');
  accounts = { admin: await addUser(db, 'admin'), researcher: await addUser(db, 'researcher'), annotator: await addUser(db, 'annotator') };
  await addRun(db, { count: 6 });
  await addRun(db, { count: 2, status: 'paused' });
  server = await startFuzzServer(db);
});
afterAll(async () => {
  await server?.close();
  await env?.cleanup();
});

// ---------------------------------------------------------------- generation

interface ZodNode {
  _zod: { def: Record<string, unknown> & { type: string } };
}

/** Numbers JSON cannot hold as such: written as text (1e999 parses as Infinity; NaN is invalid JSON). */
const SPECIAL_NUMBERS: Record<string, string> = { NaN: 'NaN', Infinity: '1e999', '-Infinity': '-1e999' };
const HUGE_INTEGER = '9'.repeat(400);

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }), // lone surrogates included
  fc.constantFrom('', ' ', '\u0000', '\ud800', 'a\u0000\ud800', '\udfff\ud800', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
    '=HYPERLINK("http://evil.example")', '../../etc/passwd', "' OR 1=1 --", '%00', '%E0%A4%A', 'NaN', '-1', '1e999', 'null', 'all'),
  fc.integer({ min: 2_000, max: 60_000 }).map((n) => 'x'.repeat(n)),
);
const hostileNumber = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e308, -1e308, 2 ** 53, 2 ** 64, -1, 0, 0.5, Number.MAX_SAFE_INTEGER + 2),
  fc.double(),
  fc.integer(),
);
const hostileLeaf = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null), fc.constant(undefined));
const { hostile } = fc.letrec((tie) => ({
  hostile: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileLeaf,
    fc.array(tie('hostile'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'runId', 'pairId', 'userId')), tie('hostile'), { maxKeys: 4 }),
  ),
}));

/** Plausible-or-hostile values shaped by a procedure's own input schema: most reach deep validation. */
function shaped(schema: ZodNode, depth = 0): fc.Arbitrary<unknown> {
  const def = schema._zod.def;
  const mix = (plausible: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: plausible, weight: 3 }, { arbitrary: hostile, weight: 1 });
  if (depth > 6) return hostile;
  switch (def.type) {
    case 'string':
      return mix(fc.oneof(fc.string({ maxLength: 12 }), fc.uuid(), fc.constantFrom('grid5', 'cartpole', 'a@example.com', 'long enough pw')));
    case 'number':
      return mix(fc.integer({ min: 0, max: 12 }));
    case 'boolean':
      return mix(fc.boolean());
    case 'enum':
      return mix(fc.oneof(fc.constantFrom(...Object.values(def.entries as Record<string, string>)), fc.constantFrom('LEFT', 'unknown', 'admin ', 'cant tell')));
    case 'literal':
      return mix(fc.constantFrom(...(def.values as unknown[])));
    case 'object': {
      const shape = def.shape as Record<string, ZodNode>;
      const record = fc.record(Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, shaped(v, depth + 1)])), { requiredKeys: [] });
      return mix(fc.oneof({ arbitrary: record, weight: 4 }, { arbitrary: fc.tuple(record, fc.dictionary(fc.string({ maxLength: 6 }), hostile, { maxKeys: 2 })).map(([a, b]) => ({ ...b, ...a })), weight: 1 }));
    }
    case 'array':
      return mix(fc.array(shaped(def.element as ZodNode, depth + 1), { maxLength: 4 }));
    case 'record':
      return mix(fc.dictionary(fc.string({ maxLength: 8 }), shaped(def.valueType as ZodNode, depth + 1), { maxKeys: 3 }));
    case 'union':
      return fc.oneof(...(def.options as ZodNode[]).map((o) => shaped(o, depth + 1)));
    case 'pipe':
      return shaped(def.in as ZodNode, depth + 1);
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      return fc.oneof(shaped(def.innerType as ZodNode, depth + 1), fc.constant(undefined));
    default:
      return hostile;
  }
}

/** JSON text of `value`, with NaN / Infinity / huge integers written the way an attacker would. */
function jsonText(value: unknown): string {
  if (typeof value === 'number') {
    if (Object.hasOwn(SPECIAL_NUMBERS, String(value))) return SPECIAL_NUMBERS[String(value)]!;
    if (value === 2 ** 64) return HUGE_INTEGER;
    return JSON.stringify(value);
  }
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses) goes out as the bytes an
 * attacker would send for it (its WTF-8 form, e.g. %ED%A0%80), not as an exception here.
 */
function encodeLoose(text: string): string {
  return text.replace(/[\p{Cs}]|[^\p{Cs}]+/gu, (part) => {
    if (part.length === 1 && /\p{Cs}/u.test(part)) {
      const u = part.charCodeAt(0);
      return [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    }
    return encodeURIComponent(part);
  });
}

const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const INVALID_JSON = ['{', '{"a":}', "{'a':1}", '[1,2', 'undefined', '\u0000', '{"a":1}}', '\ud800', '{"__proto__":{"polluted":1}}', deepArray(20_000), deepObject(5_000)];

// ---------------------------------------------------------------- sending

type Role = 'admin' | 'researcher' | 'annotator' | 'anonymous';
interface Probe {
  method: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  role: Role;
  chunked?: boolean;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

async function sessionHeader(role: Role): Promise<Record<string, string>> {
  if (role === 'anonymous') return {};
  // As if the account signed in again: its current session version (a generated resetPassword
  // may have moved it on; the stale-version refusal itself is tested in sessionVersion.test.ts).
  const row = (await firstRow(db.select({ v: users.sessionVersion }).from(users).where(eq(users.id, accounts[role].id))))!;
  return { 'x-fuzz-session': `${accounts[role].id}:${row.v}` };
}

async function send(probe: Probe): Promise<{ status: number; body: string }> {
  const url = new URL(server.url);
  const session = await sessionHeader(probe.role);
  return new Promise((resolve, reject) => {
    const body = probe.body === undefined ? undefined : Buffer.isBuffer(probe.body) ? probe.body : Buffer.from(probe.body, 'utf8');
    const headers: Record<string, string> = { ...session, ...probe.headers };
    if (body && !probe.chunked) headers['content-length'] = String(body.byteLength);
    const req = http.request({ host: url.hostname, port: url.port, method: probe.method, path: probe.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, 300) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

// Rows changed on this database's two SQLite connections (reads and write transactions): a
// rejected request must change none.
const totalChanges = () => {
  const { sqlite, sqliteWriter } = connectionOf(db);
  return [sqlite, sqliteWriter?.sqlite].reduce((n, c) => n + (c ? (c.prepare('select total_changes() as n').get() as { n: number }).n : 0), 0);
};

// ---------------------------------------------------------------- the probes

type ProcedureDef = { _def: { type: 'query' | 'mutation'; inputs: ZodNode[] } };
const PROCEDURES = Object.entries(appRouter._def.procedures as unknown as Record<string, ProcedureDef>);

function procedureProbes(name: string, procedure: ProcedureDef, seed: number): Probe[] {
  const input = procedure._def.inputs[0];
  const values = fc.sample(input ? shaped(input) : hostile, { seed, numRuns: PER_PROCEDURE });
  const roles = fc.sample(fc.constantFrom<Role>('admin', 'admin', 'admin', 'researcher', 'annotator', 'anonymous'), { seed: seed + 1, numRuns: PER_PROCEDURE });
  const isQuery = procedure._def.type === 'query';
  const probes: Probe[] = values.map((value, i) => {
    const text = jsonText(value);
    const role = roles[i]!;
    // Mostly the right transport, sometimes the wrong one (a query POSTed, a mutation by GET).
    const asQuery = i % 7 === 6 ? !isQuery : isQuery;
    return asQuery
      ? { method: 'GET', path: `/api/trpc/${name}?input=${encodeLoose(text)}`, role }
      : { method: 'POST', path: `/api/trpc/${name}`, body: text, headers: { 'content-type': 'application/json' }, role };
  });
  // Transport-level garbage for every procedure.
  for (const bad of INVALID_JSON) {
    probes.push(isQuery
      ? { method: 'GET', path: `/api/trpc/${name}?input=${encodeLoose(bad)}`, role: 'admin' }
      : { method: 'POST', path: `/api/trpc/${name}`, body: bad, headers: { 'content-type': 'application/json' }, role: 'admin' });
  }
  probes.push(
    { method: 'GET', path: `/api/trpc/${name}?input=%E0%A4%A`, role: 'admin' },
    { method: 'GET', path: `/api/trpc/${name}?batch=1&input=${encodeURIComponent('{"0":{"runId":"x"},"1":[]}')}`, role: 'admin' },
    { method: 'GET', path: `/api/trpc/${name},${name},nope?batch=1&input={}`, role: 'admin' },
    { method: 'PUT', path: `/api/trpc/${name}`, body: '{}', role: 'admin' },
    { method: 'DELETE', path: `/api/trpc/${name}`, role: 'admin' },
    { method: 'POST', path: `/api/trpc/${name}`, body: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' }, role: 'admin' },
    { method: 'POST', path: `/api/trpc/${name}`, body: Buffer.alloc(MAX_BODY_BYTES + 10, 0x20), headers: { 'content-type': 'application/json' }, role: 'admin', chunked: true },
    { method: 'POST', path: `/api/trpc/${name}`, body: `{"x":"${'y'.repeat(MAX_BODY_BYTES)}"}`, headers: { 'content-type': 'application/json' }, role: 'admin' },
  );
  return probes;
}

const EXPORT_KEYS = ['format', 'run', 'from', 'to', 'annotator', 'choice', 'emails', 'junk', '__proto__'];
const queryValue = fc.oneof(
  fc.constantFrom('jsonl', 'csv', 'parquet', 'all', '1', '0', 'true', 'left', '2025-03-01', '2025-13-45', '-1', 'NaN', '1e999', '%00', '%E0%A4%A', '%ZZ', HUGE_INTEGER),
  hostileString.map((s) => encodeLoose(s.slice(0, 3000))),
);
const exportQuery = fc
  .array(fc.tuple(fc.constantFrom(...EXPORT_KEYS), queryValue), { maxLength: 6 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
const checkpointSegment = fc.oneof(
  fc.constantFrom('0', '-1', '1', '2', '1.5', '1e3', 'abc', HUGE_INTEGER, '%00', '%2F..%2F', '..', '%20', 'NaN', '9007199254740993'),
  fc.string({ unit: 'binary', maxLength: 10 }).map(encodeLoose),
);

function routeHandlerProbes(seed: number): Probe[] {
  const probes: Probe[] = [];
  const roles = ['admin', 'researcher', 'annotator', 'anonymous'] as const;
  fc.sample(exportQuery, { seed, numRuns: 160 }).forEach((q, i) => probes.push({ method: 'GET', path: `/api/export?${q}`, role: i % 5 === 4 ? roles[i % 4]! : 'admin' }));
  fc.sample(fc.tuple(checkpointSegment, queryValue), { seed: seed + 2, numRuns: 120 }).forEach(([id, part], i) =>
    probes.push({ method: 'GET', path: `/api/checkpoints/${id}?part=${part}`, role: i % 4 === 3 ? roles[i % 4]! : 'researcher' }),
  );
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    probes.push({ method, path: '/api/export?format=csv', body: '{}', role: 'admin' });
    probes.push({ method, path: '/api/checkpoints/1', body: '{}', role: 'researcher' });
  }
  for (const bad of ['%E0%A4%A', '%', '%ZZ', '%ED%A0%80', '%C0%AF', 'a%00b']) {
    for (const prefix of ['/api/trpc/', '/api/export/', '/api/checkpoints/', '/api/']) probes.push({ method: 'GET', path: `${prefix}${bad}`, role: 'admin' });
  }
  probes.push({ method: 'GET', path: '/api/export?format=csv', body: 'x'.repeat(100), role: 'admin', headers: { 'content-length': String(10 * MAX_BODY_BYTES) } });
  return probes;
}

// ---------------------------------------------------------------- the test

describe('fuzz: malformed input over HTTP to every procedure and route handler', () => {
  it('mounts every route handler in app/api (or names where it is fuzzed)', () => {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name === 'route.ts') found.push(path.relative(process.cwd(), full));
      }
    };
    walk(path.join(process.cwd(), 'app', 'api'));
    expect(found.sort()).toEqual([...MOUNTED_ROUTE_FILES, ...ROUTE_FILES_FUZZED_IN_E2E].sort());
  });

  it('the write detector sees a write (so a silent one could not pass)', async () => {
    const before = await totalChanges();
    const ok = await send({ method: 'POST', path: '/api/trpc/runs.create', body: JSON.stringify({ name: 'probe', envId: 'grid5', instructions: 'x' }), headers: { 'content-type': 'application/json' }, role: 'admin' });
    expect(ok.status).toBe(200);
    expect(await totalChanges()).toBeGreaterThan(before);
  });

  it(`>= 1,000 generated inputs: no 5xx, no crash, nothing written by a refused request (seed ${SEED})`, async () => {
    const probes = [
      ...PROCEDURES.flatMap(([name, p], i) => procedureProbes(name, p, SEED * 1000 + i)),
      ...routeHandlerProbes(SEED),
    ];
    expect(PROCEDURES.length).toBeGreaterThanOrEqual(20); // the 20 of today; new ones join by themselves
    expect(probes.length).toBeGreaterThanOrEqual(1000);

    const failures: string[] = [];
    const byStatus = new Map<number, number>();
    for (const probe of probes) {
      const before = await totalChanges();
      const { status, body } = await send(probe);
      const wrote = (await totalChanges()) - before;
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      const what = `${probe.method} ${probe.path.slice(0, 160)} as ${probe.role}`;
      if (status >= 500) failures.push(`${status} for ${what}: ${body}`);
      if (status >= 400 && wrote > 0) failures.push(`${status} but ${wrote} rows written by ${what}`);
    }
    console.log(`fuzz seed ${SEED}: ${probes.length} requests over ${PROCEDURES.length} procedures and ${MOUNTED_ROUTE_FILES.length} route files; statuses ${JSON.stringify(Object.fromEntries([...byStatus].sort(([a], [b]) => a - b)))}`);
    expect(failures).toEqual([]);
    expect(server.crashes).toEqual([]);
    // Most inputs must be refused, some accepted: a fuzzer whose every request was a 401 would prove nothing.
    expect(byStatus.get(400) ?? 0).toBeGreaterThan(probes.length / 3);
    expect([...byStatus].filter(([s]) => s >= 200 && s < 300).reduce((n, [, c]) => n + c, 0)).toBeGreaterThan(20);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * STACK.md: tfjs must never be in the Next server bundle (next.config.mjs: nothing the web app
 * loads may import trainer/models or trainer/algorithms). `next build` is too slow to run per
 * change, so this follows the static and dynamic imports of every module the app can load, from
 * app/ and proxy.ts, and fails with the import chain that reaches tfjs. Type-only imports are
 * skipped: TypeScript and the bundler erase them.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const FORBIDDEN = [/^@tensorflow\//, /^trainer\/models\//, /^trainer\/algorithms\//];
const EXTENSIONS = ['', '.ts', '.tsx', '.js', '.mjs', '/index.ts', '/index.tsx'];
const IMPORT = /(?:^|[\s;])(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function resolveLocal(from: string, specifier: string): string | null {
  const base = specifier.startsWith('@/') ? path.join(ROOT, specifier.slice(2))
    : specifier.startsWith('.') ? path.resolve(path.dirname(from), specifier) : null;
  if (base === null) return null;
  for (const ext of EXTENSIONS) {
    const file = base + ext;
    if (fs.existsSync(file) && fs.statSync(file).isFile()) return file;
  }
  return null;
}

/** Every module reachable from `entries`, and every forbidden import with the chain of files that leads to it. */
function walk(entries: readonly string[]): { reached: Set<string>; forbidden: string[] } {
  const parent = new Map<string, string | null>(entries.map((e) => [e, null]));
  const queue = [...entries];
  const forbidden: string[] = [];
  const chain = (file: string): string[] => {
    const out: string[] = [];
    for (let f: string | null | undefined = file; f; f = parent.get(f)) out.unshift(path.relative(ROOT, f));
    return out;
  };
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const m of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
      if (m[1]) continue; // import type / export type
      const specifier = (m[2] ?? m[3])!;
      const local = resolveLocal(file, specifier);
      const name = local ? path.relative(ROOT, local).split(path.sep).join('/') : specifier;
      if (FORBIDDEN.some((re) => re.test(name))) {
        forbidden.push([...chain(file), name].join(' -> '));
        continue;
      }
      if (local && /\.(ts|tsx|js|mjs)$/.test(local) && !parent.has(local)) {
        parent.set(local, file);
        queue.push(local);
      }
    }
  }
  return { reached: new Set(parent.keys()), forbidden };
}

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return sourcesUnder(full);
    return /\.(ts|tsx)$/.test(d.name) && !/\.test\.tsx?$/.test(d.name) ? [full] : [];
  });
}

const appEntries = () => [...sourcesUnder(path.join(ROOT, 'app')), path.join(ROOT, 'proxy.ts')].filter((f) => fs.existsSync(f));

describe('the web app never loads tfjs', () => {
  it('nothing reachable from app/ and proxy.ts imports @tensorflow, trainer/models or trainer/algorithms', () => {
    const entries = appEntries();
    expect(entries.length).toBeGreaterThan(5);
    expect(walk(entries).forbidden).toEqual([]);
  });

  it('the server-side checkpoint readers are reached from the app (so the check above covers them)', () => {
    const { reached } = walk(appEntries());
    for (const file of ['neuralRewardModel.ts', 'neuralRewards.ts', 'neuralSeries.ts', 'clipStepRewards.ts', 'checkpointRewards.ts']) {
      expect(reached.has(path.join(ROOT, 'server/inspect', file))).toBe(true);
    }
  });

  it('the walk finds tfjs where it is (the trainer), with the chain of imports', () => {
    const { forbidden } = walk([path.join(ROOT, 'trainer/models/checkpoint.ts')]);
    expect(forbidden).toContain('trainer/models/checkpoint.ts -> @tensorflow/tfjs');
  });
});

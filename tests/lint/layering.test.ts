import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layering rules of eslint.config.mjs, checked on small made-up files placed (virtually) in
 * each folder: a rule that stopped firing, or fired on an allowed import, fails here. Together the
 * per-file rules keep tfjs out of everything the web app can reach (see the config's comment).
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const LAYERING_RULES = new Set(['import-x/no-restricted-paths', 'no-restricted-imports']);
const eslint = new ESLint({ cwd: ROOT });

async function layeringErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId !== null && LAYERING_RULES.has(m.ruleId)).map((m) => `${m.ruleId}: ${m.message}`);
}

const forbidden: Array<[string, string]> = [
  ['app/example/page.tsx', `import * as tf from '@tensorflow/tfjs';\nexport const x = tf;`],
  ['app/example/page.tsx', `import { encodeNeuralCheckpoint } from '@/trainer/models/checkpoint';\nexport const x = encodeNeuralCheckpoint;`],
  ['components/example/View.tsx', `import { TrainerService } from '@/trainer/service/trainer-service';\nexport const x = TrainerService;`],
  ['server/example.ts', `export const load = () => import('@/trainer/models/checkpoint');`],
  ['server/example.ts', `import { x } from '@/components/trpc/errorMessage';\nexport const y = x;`],
  ['server/example.ts', `import { x } from '@/tests/helpers/server/fixtures';\nexport const y = x;`],
  ['db/example.ts', `import { ENVS } from '../trainer/envs';\nexport const x = ENVS;`],
  ['db/example.ts', `import { x } from '../server/queue';\nexport const y = x;`],
  ['components/example/View.tsx', `import { policyFromQ } from '@/trainer/tabular/soft';\nexport const x = policyFromQ;`],
  ['trainer/service/example.ts', `export const load = () => import('../../server/root');`],
  ['trainer/envs/example.ts', `import { x } from '../service/trainer-service';\nexport const y = x;`],
  ['trainer/core/example.ts', `import { x } from '../../db/client';\nexport const y = x;`],
  ['scripts/example.ts', `import { x } from '../tests/helpers/server/fixtures';\nexport const y = x;`],
  // A folder that does not exist yet is covered too: nothing new can open a path to tfjs.
  ['lib/example.ts', `import * as tf from '@tensorflow/tfjs';\nexport const x = tf;`],
  ['lib/example.ts', `import { x } from '@/trainer/algorithms/sobirl';\nexport const y = x;`],
  // MuJoCo stays in the trainer process: not in the web app, and not in the envs the browser imports.
  ['components/example/View.tsx', `import loadMujoco from 'mujoco-js';\nexport const x = loadMujoco;`],
  ['server/example.ts', `export const load = () => import('mujoco-js');`],
  ['app/example/page.tsx', `import type { MjModel } from 'mujoco-js';\nexport type X = MjModel;`],
  ['trainer/envs/example.ts', `export const load = () => import('mujoco-js');`],
  ['trainer/core/example.ts', `import loadMujoco from 'mujoco-js';\nexport const x = loadMujoco;`],
  ['lib/example.ts', `import loadMujoco from 'mujoco-js';\nexport const x = loadMujoco;`],
  ['example.ts', `import loadMujoco from 'mujoco-js';\nexport const x = loadMujoco;`],
];

const allowed: Array<[string, string]> = [
  ['app/example/page.tsx', `import { ENVS } from '@/trainer/envs';\nimport { getDb } from '@/db/client';\nimport { x } from '@/components/trpc/errorMessage';\nexport const y = [ENVS, getDb, x];`],
  ['components/example/View.tsx', `import { makeRng } from '@/trainer/core/rng';\nimport type { AppRouter } from '@/server/root';\nexport const x = makeRng as unknown as AppRouter;`],
  ['server/example.ts', `import { getEnv } from '@/trainer/envs';\nimport { users } from '@/db/schema';\nexport const x = [getEnv, users];`],
  ['trainer/service/example.ts', `import * as tf from '@tensorflow/tfjs';\nimport { getDb } from '../../db/client';\nexport const x = [tf, getDb];`],
  ['trainer/envs/example.ts', `import { makeRng } from '../core/rng';\nexport const x = makeRng;`],
  ['db/example.ts', `import { CHOICES } from '../trainer/contracts/choices';\nexport const x = CHOICES;`],
  ['server/example.ts', `import { policyFromQ } from '@/trainer/tabular/soft';\nexport const x = policyFromQ;`],
  ['trainer/mujoco/example.ts', `export const load = () => import('mujoco-js');`],
  ['scripts/example.ts', `import loadMujoco from 'mujoco-js';\nexport const x = loadMujoco;`],
  ['scripts/example.ts', `import { x } from '../server/queue';\nimport { y } from '../trainer/service/trainer-service';\nexport const z = [x, y];`],
  // Tests are integration code: they may reach any layer and the helpers.
  ['server/example.test.ts', `import { x } from '@/trainer/models/checkpoint';\nimport { y } from '@/tests/helpers/server/fixtures';\nexport const z = [x, y];`],
];

describe('eslint layering rules', () => {
  it.each(forbidden)('%s: flags %j', async (file, source) => {
    expect(await layeringErrors(file, source)).toHaveLength(1);
  });

  it.each(allowed)('%s: allows %j', async (file, source) => {
    expect(await layeringErrors(file, source)).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { runs } from '@/db/schema';
import { getEnv } from '@/trainer/envs';
import { rlhfDefaults, RLHF_DEFAULTS } from '@/trainer/envs/rlhf-defaults';
import { createRunInputSchema } from '@/trainer/contracts/run-config';
import { addUser, callerFor, freshDb, outcome } from '@/tests/helpers/server/fixtures';

/** Names every plain object inherits: `id in ENVS` used to accept them as environments. */
const INHERITED = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

let db: Db;
let cleanup: () => void;
beforeAll(async () => ({ db, cleanup } = (await freshDb('env-ids'))));
afterAll(() => cleanup());

describe('environment ids are own properties of the registry', () => {
  it.each(INHERITED)('the run schema refuses envId %j, naming the field', (envId) => {
    const parsed = createRunInputSchema.safeParse({ name: 'r', envId, instructions: 'x' });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain('envId');
  });

  it('runs.create answers BAD_REQUEST for each and stores no run', async () => {
    const caller = callerFor(db, await addUser(db, 'researcher'));
    for (const envId of INHERITED) {
      expect(await outcome(caller.runs.create({ name: 'r', envId, instructions: 'x' }))).toBe('BAD_REQUEST');
    }
    expect((await db.select().from(runs))).toHaveLength(0);
    // The same request with a real env id is stored, so the refusals above are about the id.
    expect(await outcome(caller.runs.create({ name: 'r', envId: 'grid5', instructions: 'x' }))).toBe('OK');
  });

  it('the registry lookups the trainer uses refuse inherited names too', () => {
    for (const envId of INHERITED) {
      expect(() => getEnv(envId)).toThrow(/unknown environment/);
      expect(rlhfDefaults(envId)).toBe(RLHF_DEFAULTS.cartpole);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bcrypt from 'bcryptjs';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { clips, pairs, runs, users, CLIP_FORMAT_VERSION } from '../../db/schema';
import { seedIfEmpty, DEMO_ACCOUNTS, DEMO_RUNS } from './seed';
import { replayClip } from './demo-clips';
import { getEnv, ENVS } from '../../trainer/envs/index';
import { makeRng } from '../../trainer/core/rng';
import { discreteActions } from '../../trainer/contracts/clip-actions';
import { freshDb } from '@/tests/helpers/server/fixtures';
import { firstRow } from '../../db/dialect';

let db: Db;
let cleanup: () => void;
const logged: string[] = [];
let first: Awaited<ReturnType<typeof seedIfEmpty>>;
const ENV_PASSWORDS = { DEMO_ADMIN_PASSWORD: 'admin-pass-123', DEMO_ANNOTATOR_PASSWORD: 'annotate-pass-123' };

beforeAll(async () => {
  ({ db, cleanup } = (await freshDb('seed')));
  first = (await seedIfEmpty(db, { log: (l) => logged.push(l), env: ENV_PASSWORDS, bcryptRounds: 4, pairsPerRun: 30 }));
});
afterAll(() => cleanup());

const count = async (table: typeof users | typeof runs | typeof clips | typeof pairs) =>
  (await firstRow(db.select({ n: sql<number>`count(*)` }).from(table)))!.n;

describe('seedIfEmpty', () => {
  it('creates the four demo accounts with passwords from env or generated ones', async () => {
    expect(first.seeded).toBe(true);
    const rows = await db.select().from(users);
    expect(rows.map((u) => [u.email, u.role])).toEqual(DEMO_ACCOUNTS.map((a) => [a.email, a.role]));
    const byEmail = new Map(rows.map((u) => [u.email, u]));
    expect(bcrypt.compareSync('admin-pass-123', byEmail.get('admin@example.com')!.passwordHash)).toBe(true);
    expect(bcrypt.compareSync('annotate-pass-123', byEmail.get('annotator2@example.com')!.passwordHash)).toBe(true);
    // The researcher had no env var: a generated password, printed in the log exactly once.
    const generated = first.generatedPasswords['researcher@example.com']!;
    expect(Object.keys(first.generatedPasswords)).toEqual(['researcher@example.com']);
    expect(bcrypt.compareSync(generated, byEmail.get('researcher@example.com')!.passwordHash)).toBe(true);
    expect(logged.filter((l) => l.includes(generated))).toHaveLength(1);
    expect(logged.join('\n')).not.toContain('admin-pass-123');
    expect(new Set(rows.map((u) => u.pseudonym)).size).toBe(4);
  });

  it('is idempotent: a second call changes nothing and prints no passwords', async () => {
    const before = [await count(users), await count(runs), await count(clips), await count(pairs)];
    const lines: string[] = [];
    expect((await seedIfEmpty(db, { log: (l) => lines.push(l), bcryptRounds: 4 })).seeded).toBe(false);
    expect([await count(users), await count(runs), await count(clips), await count(pairs)]).toEqual(before);
    expect(lines).toEqual([]);
  });

  it('creates one active run per registered demo env, with instructions and 30 pairs', async () => {
    const expected = DEMO_RUNS.filter((r) => r.envId in ENVS);
    const rows = await db.select().from(runs);
    expect(rows.map((r) => r.envId)).toEqual(expected.map((r) => r.envId));
    for (const run of rows) {
      expect(run.status).toBe('active');
      expect(run.instructions.length).toBeGreaterThan(10);
      expect((await db.select().from(pairs).where(eq(pairs.runId, run.id)))).toHaveLength(30);
    }
  });

  it('stores clips that replay through their env from the seed and stored actions', async () => {
    for (const demo of DEMO_RUNS.filter((r) => r.envId in ENVS)) {
      const env = getEnv(demo.envId);
      const run = (await firstRow(db.select().from(runs).where(eq(runs.envId, demo.envId))))!;
      const rows = await db.select().from(clips).where(eq(clips.runId, run.id));
      expect(rows).toHaveLength(60);
      for (const clip of rows) {
        expect(clip.formatVersion).toBe(CLIP_FORMAT_VERSION);
        const actions = discreteActions(clip.actions, 'the seed test');
        expect(clip.states).toHaveLength(actions.length + 1);
        expect(actions.length).toBeGreaterThan(0);
        expect(actions.length).toBeLessThanOrEqual(demo.clipLength);
        expect(clip.logProbs).toEqual(actions.map(() => Math.log(1 / env.actionNames.length)));
        expect(replayClip(clip.envId, clip.seed, actions)).toEqual(clip.states);
        // The true return, recomputed by stepping the env again, and every state renders.
        const rng = makeRng(clip.seed).fork();
        let state = env.reset(rng);
        let total = 0;
        for (const action of actions) {
          const step = env.step(state, action, rng);
          total += step.reward;
          state = step.state;
        }
        expect(clip.trueReturn).toBeCloseTo(total, 12);
        for (const s of clip.states) expect(env.render(s).items.length).toBeGreaterThan(0);
      }
      // A random policy makes different clips (not one clip copied 60 times).
      expect(new Set(rows.map((c) => JSON.stringify(c.actions))).size).toBeGreaterThan(50);
    }
  });

  it('skips envs that are not registered and still seeds the rest', async () => {
    const other = await freshDb('seed-unknown-env');
    try {
      const lines: string[] = [];
      const demoRuns = [
        { envId: 'no-such-env', clipLength: 5, instructions: 'never shown' },
        { envId: 'grid5', clipLength: 4, instructions: 'Which clip reaches the goal?' },
      ];
      const result = await seedIfEmpty(other.db, { log: (l) => lines.push(l), bcryptRounds: 4, pairsPerRun: 2, env: {}, demoRuns });
      expect(result.seeded).toBe(true);
      expect(Object.keys(result.generatedPasswords)).toHaveLength(4);
      expect(result.runIds).toHaveLength(1);
      expect((await other.db.select().from(runs)).map((r) => r.envId)).toEqual(['grid5']);
      expect(lines.some((l) => l.includes("'no-such-env' is not registered"))).toBe(true);
    } finally {
      await other.cleanup();
    }
  });
});

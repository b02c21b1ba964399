import { sql } from 'drizzle-orm';
import { ENVS } from '../../trainer/envs/index';
import { makeRng } from '../../trainer/core/rng';
import type { Db } from '../../db/client';
import { clips, pairs, runs, users, CLIP_FORMAT_VERSION, type Role, type User } from '../../db/schema';
import { writeTx } from '../../db/transactions';
import { hashPassword, insertUser, randomPassword, BCRYPT_ROUNDS } from '../../db/users';
import { randomPolicyClip } from './demo-clips';
import { firstRow, returnedRow } from '../../db/dialect';

/** The demo accounts; passwords come from these env vars or are generated and printed once. */
export const DEMO_ACCOUNTS: ReadonlyArray<{ email: string; name: string; role: Role; passwordEnv: string }> = [
  { email: 'admin@example.com', name: 'Demo Admin', role: 'admin', passwordEnv: 'DEMO_ADMIN_PASSWORD' },
  { email: 'researcher@example.com', name: 'Demo Researcher', role: 'researcher', passwordEnv: 'DEMO_RESEARCHER_PASSWORD' },
  { email: 'annotator1@example.com', name: 'Demo Annotator 1', role: 'annotator', passwordEnv: 'DEMO_ANNOTATOR_PASSWORD' },
  { email: 'annotator2@example.com', name: 'Demo Annotator 2', role: 'annotator', passwordEnv: 'DEMO_ANNOTATOR_PASSWORD' },
];

/** One demo run per environment, in this order; any registered env id works here. */
export const DEMO_RUNS: ReadonlyArray<{ envId: string; clipLength: number; instructions: string }> = [
  {
    envId: 'cartpole',
    clipLength: 25,
    instructions: 'Which clip keeps the pole more upright, with the cart near the centre, for longer?',
  },
  {
    envId: 'grid5',
    clipLength: 12,
    instructions: 'Which clip spends more time on the green goal corner and stays away from the red centre?',
  },
];

export const DEMO_PAIRS_PER_RUN = 30;

export interface SeedOptions {
  log?: (line: string) => void;
  /** Password env vars (DEMO_ADMIN_PASSWORD, ...); defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Fewer rounds only make tests faster; never lower it for a real database. */
  bcryptRounds?: number;
  pairsPerRun?: number;
  /** Which demo runs to create (default DEMO_RUNS). */
  demoRuns?: typeof DEMO_RUNS;
}

export interface SeedResult {
  seeded: boolean;
  /** Only the passwords that were generated (not those read from the environment). */
  generatedPasswords: Record<string, string>;
  runIds: number[];
}

/**
 * On an empty users table: the demo accounts and a demo run per env with random-policy clip
 * pairs. Does nothing when any user exists, so it is safe on every start. Envs that are not
 * registered (yet) are skipped with a log line.
 */
export async function seedIfEmpty(db: Db, options: SeedOptions = {}): Promise<SeedResult> {
  const log = options.log ?? (() => {});
  const env = options.env ?? process.env;
  const rounds = options.bcryptRounds ?? BCRYPT_ROUNDS;
  const pairsPerRun = options.pairsPerRun ?? DEMO_PAIRS_PER_RUN;
  if ((await countUsers(db)) > 0) return { seeded: false, generatedPasswords: {}, runIds: [] };

  const generatedPasswords: Record<string, string> = {};
  const accounts = DEMO_ACCOUNTS.map((account) => {
    // The annotators share one env var; generated passwords are per account.
    let password = env[account.passwordEnv];
    if (!password) {
      password = randomPassword();
      generatedPasswords[account.email] = password;
    }
    return { ...account, password, passwordHash: hashPassword(password, rounds) };
  });
  const demoRuns = (options.demoRuns ?? DEMO_RUNS).filter((run) => {
    const known = run.envId in ENVS;
    if (!known) log(`seed: environment '${run.envId}' is not registered; its demo run is skipped`);
    return known;
  });

  const runIds = await writeTx(db, async (tx) => {
    // Checked again under the write lock: two processes starting at once seed only once.
    if ((await countUsers(tx)) > 0) return null;
    const now = Date.now();
    const created: User[] = [];
    for (const a of accounts) created.push(await insertUser(tx, { email: a.email, name: a.name, role: a.role, passwordHash: a.passwordHash }, now));
    const researcher = created.find((u) => u.role === 'researcher');
    const ids: number[] = [];
    for (const [runIndex, demo] of demoRuns.entries()) {
      const run = await returnedRow(tx
        .insert(runs)
        .values({
          // Not "(random policy)": the name outlives the seed once the trainer learns; the
          // description says where the first clips came from (and can be edited on the run page).
          name: `Demo: ${demo.envId}`,
          description: 'Seeded with clips of a uniformly random policy; the trainer replaces them with its own as it learns.',
          envId: demo.envId,
          algorithm: 'sobirl',
          config: { source: 'demo-seed', policy: 'uniform-random', clipLength: demo.clipLength },
          instructions: demo.instructions,
          createdBy: researcher?.id ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: runs.id }));
      // Fixed seeds: every fresh demo database holds the same clips.
      const priorities = makeRng(1000 + runIndex);
      for (let p = 0; p < pairsPerRun; p++) {
        const clipId = async (side: number) => {
          const clip = randomPolicyClip(demo.envId, 10_000 * (runIndex + 1) + 2 * p + side, demo.clipLength);
          return (await returnedRow(tx
            .insert(clips)
            .values({ runId: run.id, ...clip, formatVersion: CLIP_FORMAT_VERSION, createdAt: now })
            .returning({ id: clips.id }))).id;
        };
        const a = await clipId(0);
        const b = await clipId(1);
        await tx.insert(pairs).values({ runId: run.id, clipAId: a, clipBId: b, priority: priorities.next(), createdAt: now });
      }
      ids.push(run.id);
    }
    return ids;
  });
  if (runIds === null) return { seeded: false, generatedPasswords: {}, runIds: [] };

  log('seed: created the demo accounts and runs. Sign in with:');
  for (const account of accounts) {
    const source = generatedPasswords[account.email] ? `password ${account.password}` : `password from ${account.passwordEnv}`;
    log(`  ${account.role.padEnd(10)} ${account.email.padEnd(26)} ${source}`);
  }
  if (Object.keys(generatedPasswords).length > 0) {
    log('  (generated passwords are shown only this once; an admin can reset them later)');
  }
  return { seeded: true, generatedPasswords, runIds };
}

async function countUsers(db: Pick<Db, 'select'>): Promise<number> {
  return (await firstRow(db.select({ n: sql<number>`count(*)` }).from(users)))?.n ?? 0;
}

import { sql } from 'drizzle-orm';
import {
  sqliteTable,
  integer,
  text,
  real,
  blob,
  index,
  uniqueIndex,
  primaryKey,
  check,
} from 'drizzle-orm/sqlite-core';
import { CHOICES, GOLD_CHOICES, type Choice, type GoldChoice } from '../trainer/contracts/choices';

/**
 * The one schema shared by the web app and the trainer. Timestamps are integer milliseconds
 * since the epoch (plain numbers cross tRPC as JSON without a transformer). JSON payloads are
 * TEXT columns so PostgreSQL can take the same shape later (jsonb) and sqlite's json_* works.
 */

export const ROLES = ['annotator', 'researcher', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const RUN_STATUSES = ['active', 'paused', 'stopped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const PAIR_STATUSES = ['pending', 'done'] as const;
export type PairStatus = (typeof PAIR_STATUSES)[number];
// The answers, written once (trainer/contracts/choices.ts: shared with the page and the trainer).
export { CHOICES, GOLD_CHOICES, type Choice, type GoldChoice };

/** Clip rows written by this build; readers refuse other versions with a clear message. */
export const CLIP_FORMAT_VERSION = 1;

const now = () => Date.now();
const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    email: text('email').notNull().unique(),
    name: text('name').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    passwordHash: text('password_hash').notNull(),
    /** Stable, non-identifying handle used in exports instead of the email. */
    pseudonym: text('pseudonym').notNull().unique(),
    createdAt: integer('created_at').notNull().$defaultFn(now),
    disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [check('users_role_check', sql`${t.role} in (${inList(ROLES)})`)],
);

export const runs = sqliteTable(
  'runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    envId: text('env_id').notNull(),
    algorithm: text('algorithm').notNull(),
    config: text('config', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    /** What "better" means for this run, shown above the clips. */
    instructions: text('instructions').notNull(),
    status: text('status', { enum: RUN_STATUSES }).notNull().default('active'),
    /** Overlap: how many different annotators label each pair. */
    labelsWanted: integer('labels_wanted').notNull().default(1),
    labelBatchSize: integer('label_batch_size').notNull().default(16),
    iteration: integer('iteration').notNull().default(0),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: integer('created_at').notNull().$defaultFn(now),
    updatedAt: integer('updated_at').notNull().$defaultFn(now),
    /** The trainer's last problem with this run (e.g. a checkpoint that failed to load); null when fine. */
    lastError: text('last_error'),
    lastErrorAt: integer('last_error_at'),
  },
  (t) => [
    check('runs_status_check', sql`${t.status} in (${inList(RUN_STATUSES)})`),
    check('runs_labels_wanted_check', sql`${t.labelsWanted} >= 1`),
  ],
);

export const checkpoints = sqliteTable(
  'checkpoints',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    iteration: integer('iteration').notNull(),
    formatVersion: integer('format_version').notNull(),
    rewardModel: blob('reward_model', { mode: 'buffer' }),
    policy: blob('policy', { mode: 'buffer' }),
    createdAt: integer('created_at').notNull().$defaultFn(now),
    /**
     * Highest label id this checkpoint's training has consumed. Label ids grow in commit order
     * (SQLite serialises writers), so "new labels" are exactly those with a larger id: none is
     * used twice as new, and none is skipped, across crashes and restarts.
     */
    labelWatermark: integer('label_watermark').notNull().default(0),
    /** Labels (with a preference) the reward model had seen when this checkpoint was written. */
    labelsUsed: integer('labels_used').notNull().default(0),
    /**
     * The upper level's optimiser state (Adam moments and step count, Stoc-SoBiRL's momentum,
     * M-SoBiRL's w) so that a restarted trainer continues exactly where it stopped; null for
     * checkpoints written before it existed (they resume with a cold optimiser).
     */
    optimizerState: blob('optimizer_state', { mode: 'buffer' }),
  },
  (t) => [uniqueIndex('checkpoints_run_iteration_unique').on(t.runId, t.iteration)],
);

export const clips = sqliteTable(
  'clips',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    checkpointId: integer('checkpoint_id').references(() => checkpoints.id, { onDelete: 'set null' }),
    envId: text('env_id').notNull(),
    seed: integer('seed').notNull(),
    /** states[0..H]: one more than actions (the state reached after the last action). */
    states: text('states', { mode: 'json' }).$type<unknown[]>().notNull(),
    actions: text('actions', { mode: 'json' }).$type<number[]>().notNull(),
    /** Behaviour policy's log pi(a_t | s_t), for importance weights. */
    logProbs: text('log_probs', { mode: 'json' }).$type<number[]>().notNull(),
    trueReturn: real('true_return'),
    formatVersion: integer('format_version').notNull(),
    createdAt: integer('created_at').notNull().$defaultFn(now),
  },
  (t) => [index('clips_run_idx').on(t.runId)],
);

export const pairs = sqliteTable(
  'pairs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    clipAId: integer('clip_a_id').notNull().references(() => clips.id, { onDelete: 'cascade' }),
    clipBId: integer('clip_b_id').notNull().references(() => clips.id, { onDelete: 'cascade' }),
    priority: real('priority').notNull().default(0),
    labelsWanted: integer('labels_wanted').notNull().default(1),
    status: text('status', { enum: PAIR_STATUSES }).notNull().default('pending'),
    createdAt: integer('created_at').notNull().$defaultFn(now),
    checkpointId: integer('checkpoint_id').references(() => checkpoints.id, { onDelete: 'set null' }),
    /** Trainer-made pairs: the checkpoint iteration that drew them and their slot within it. */
    iteration: integer('iteration'),
    slot: integer('slot'),
    /**
     * Set by an admin: this pair's correct answer, null when it is not gold. A gold pair is
     * offered to every annotator once (labels_wanted does not apply, it never turns 'done') and
     * the trainer never retires it. No CHECK constraint: SQLite cannot add one to an existing
     * table without rebuilding it, so the one writer (quality.setGold) validates with zod.
     */
    goldChoice: text('gold_choice', { enum: GOLD_CHOICES }),
  },
  (t) => [
    // The queue scan: pending pairs of a run, best first.
    index('pairs_queue_idx').on(t.status, t.runId, t.priority),
    // A trainer that crashes and redoes an iteration can never insert the same pair twice
    // (NULLs are distinct: seeded and hand-made pairs are unaffected).
    uniqueIndex('pairs_run_iteration_slot_unique').on(t.runId, t.iteration, t.slot),
    // The gold pick in label.next: a run's few gold pairs, without scanning all its pairs.
    index('pairs_gold_idx').on(t.runId).where(sql`gold_choice is not null`),
    check('pairs_status_check', sql`${t.status} in (${inList(PAIR_STATUSES)})`),
    check('pairs_labels_wanted_check', sql`${t.labelsWanted} >= 1`),
  ],
);

export const leases = sqliteTable(
  'leases',
  {
    pairId: integer('pair_id').notNull().references(() => pairs.id, { onDelete: 'cascade' }),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.pairId, t.userId] })],
);

export const labels = sqliteTable(
  'labels',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Client-generated UUID: a retried submit finds its first result instead of a second row. */
    submissionId: text('submission_id').notNull().unique(),
    // No cascade: labels are the product; deleting a labeled pair or run must fail loudly.
    pairId: integer('pair_id').notNull().references(() => pairs.id),
    userId: integer('user_id').notNull().references(() => users.id),
    choice: text('choice', { enum: CHOICES }).notNull(),
    /** P(left preferred): left 1, right 0, equal 0.5; null for cant_tell. */
    y: real('y'),
    shownAt: integer('shown_at').notNull(),
    answeredAt: integer('answered_at').notNull(),
    responseMs: integer('response_ms').notNull(),
    createdAt: integer('created_at').notNull().$defaultFn(now),
    undoneAt: integer('undone_at'),
  },
  (t) => [
    // One live label per (pair, user); undone labels stay for the audit trail.
    uniqueIndex('labels_pair_user_live_unique').on(t.pairId, t.userId).where(sql`undone_at IS NULL`),
    index('labels_user_created_idx').on(t.userId, t.createdAt),
    check('labels_choice_check', sql`${t.choice} in (${inList(CHOICES)})`),
  ],
);

export const metrics = sqliteTable(
  'metrics',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    iteration: integer('iteration').notNull(),
    name: text('name').notNull(),
    value: real('value').notNull(),
    createdAt: integer('created_at').notNull().$defaultFn(now),
  },
  (t) => [index('metrics_run_name_iteration_idx').on(t.runId, t.name, t.iteration)],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type Run = typeof runs.$inferSelect;
export type NewRun = typeof runs.$inferInsert;
export type Checkpoint = typeof checkpoints.$inferSelect;
export type NewCheckpoint = typeof checkpoints.$inferInsert;
export type Clip = typeof clips.$inferSelect;
export type NewClip = typeof clips.$inferInsert;
export type Pair = typeof pairs.$inferSelect;
export type NewPair = typeof pairs.$inferInsert;
export type Lease = typeof leases.$inferSelect;
export type Label = typeof labels.$inferSelect;
export type NewLabel = typeof labels.$inferInsert;
export type Metric = typeof metrics.$inferSelect;
export type NewMetric = typeof metrics.$inferInsert;

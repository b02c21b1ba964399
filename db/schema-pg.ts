import { sql } from 'drizzle-orm';
import {
  pgTable,
  integer,
  bigint,
  boolean,
  text,
  doublePrecision,
  customType,
  index,
  uniqueIndex,
  primaryKey,
  check,
} from 'drizzle-orm/pg-core';
import { CHOICES, FLAG_SIDES, GOLD_CHOICES, PAIR_STATUSES, ROLES, RUN_STATUSES } from './schema';

/**
 * The PostgreSQL form of db/schema.ts, for drizzle-kit's PostgreSQL migrations
 * (drizzle-pg.config.ts -> db/migrations-pg/). Queries never use these tables: they are built from
 * db/schema.ts on both dialects (db/client.ts), so a column here has the type PostgreSQL needs to
 * take what db/schema.ts's column sends and to give back what it reads: booleans for SQLite's
 * 0/1 booleans, bigint for millisecond timestamps (and seeds, and label ids), text for the JSON columns (they
 * are parsed by db/schema.ts's columns), double precision for REAL, bytea for BLOB.
 * db/schema-parity.test.ts fails when the two disagree on a table, column, nullability,
 * default, key, foreign key, index or check: change both together.
 */

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));
const now = () => Date.now();
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

export const users = pgTable(
  'users',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    email: text('email').notNull().unique(),
    name: text('name').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    passwordHash: text('password_hash').notNull(),
    /** Stable, non-identifying handle used in exports instead of the email. */
    pseudonym: text('pseudonym').notNull().unique(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull().$defaultFn(now),
    disabled: boolean('disabled').notNull().default(false),
    /**
     * Stamped into the session JWT at sign-in; a password reset, a disable or enable (and any
     * future role change) increments it, so every older JWT of this user is refused at its next
     * request (server/sessionUser.ts).
     */
    sessionVersion: integer('session_version').notNull().default(0),
  },
  (t) => [check('users_role_check', sql`${t.role} in (${inList(ROLES)})`)],
);

/**
 * Sign-in attempts, for the limiter in server/signInLimiter.ts. In the database, not in memory,
 * so several web processes share one count. Failures are kept for the limiter's window,
 * successes longer (they make an address "known" to an account).
 */
export const signInAttempts = pgTable(
  'sign_in_attempts',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    /** The email as typed, trimmed and lower-cased (it need not belong to an account). */
    email: text('email').notNull(),
    /** The client's address as the web server saw it. */
    address: text('address').notNull(),
    succeeded: boolean('succeeded').notNull(),
    at: bigint('at', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('sign_in_attempts_email_at_idx').on(t.email, t.at),
    index('sign_in_attempts_address_at_idx').on(t.address, t.at),
    index('sign_in_attempts_at_idx').on(t.at),
  ],
);

export const runs = pgTable(
  'runs',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    name: text('name').notNull(),
    envId: text('env_id').notNull(),
    algorithm: text('algorithm').notNull(),
    config: text('config').notNull().default('{}'),
    /** What "better" means for this run, shown above the clips. */
    instructions: text('instructions').notNull(),
    status: text('status', { enum: RUN_STATUSES }).notNull().default('active'),
    /** Overlap: how many different annotators label each pair. */
    labelsWanted: integer('labels_wanted').notNull().default(1),
    labelBatchSize: integer('label_batch_size').notNull().default(16),
    iteration: integer('iteration').notNull().default(0),
    createdBy: integer('created_by').references(() => users.id),
    createdAt: bigint('created_at', { mode: 'number' }).notNull().$defaultFn(now),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull().$defaultFn(now),
    /** The trainer's last problem with this run (e.g. a checkpoint that failed to load); null when fine. */
    lastError: text('last_error'),
    lastErrorAt: bigint('last_error_at', { mode: 'number' }),
    /** Free text for researchers (what the run is for); the name can be changed too. */
    description: text('description').notNull().default(''),
    /** Open to every annotator; when false only those in run_assignments see and label it. */
    openToAll: boolean('open_to_all').notNull().default(true),
    /** How many labels the campaign wants in all (a progress bar for annotators); null: no target. */
    labelTarget: integer('label_target'),
    /** Gold pairs in the practice round an annotator must pass before labels count; 0: no practice. */
    practicePairs: integer('practice_pairs').notNull().default(0),
    /** Annotators may say "slightly better" (y 0.75 / 0.25) besides "much better" (1 / 0). */
    preferenceStrength: boolean('preference_strength').notNull().default(false),
  },
  (t) => [
    check('runs_status_check', sql`${t.status} in (${inList(RUN_STATUSES)})`),
    check('runs_labels_wanted_check', sql`${t.labelsWanted} >= 1`),
  ],
);

export const checkpoints = pgTable(
  'checkpoints',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    iteration: integer('iteration').notNull(),
    formatVersion: integer('format_version').notNull(),
    rewardModel: bytea('reward_model'),
    policy: bytea('policy'),
    createdAt: bigint('created_at', { mode: 'number' }).notNull().$defaultFn(now),
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
    optimizerState: bytea('optimizer_state'),
    committedBy: text('committed_by'),
    leaseToken: integer('lease_token'),
  },
  (t) => [uniqueIndex('checkpoints_run_iteration_unique').on(t.runId, t.iteration)],
);

export const clips = pgTable(
  'clips',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    checkpointId: integer('checkpoint_id').references(() => checkpoints.id, { onDelete: 'set null' }),
    envId: text('env_id').notNull(),
    seed: bigint('seed', { mode: 'number' }).notNull(),
    /** states[0..H]: one more than actions (the state reached after the last action). */
    states: text('states').notNull(),
    actions: text('actions').notNull(),
    /** Behaviour policy's log pi(a_t | s_t), for importance weights. */
    logProbs: text('log_probs').notNull(),
    trueReturn: doublePrecision('true_return'),
    formatVersion: integer('format_version').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull().$defaultFn(now),
  },
  (t) => [index('clips_run_idx').on(t.runId)],
);

export const pairs = pgTable(
  'pairs',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    clipAId: integer('clip_a_id').notNull().references(() => clips.id, { onDelete: 'cascade' }),
    clipBId: integer('clip_b_id').notNull().references(() => clips.id, { onDelete: 'cascade' }),
    priority: doublePrecision('priority').notNull().default(0),
    labelsWanted: integer('labels_wanted').notNull().default(1),
    status: text('status', { enum: PAIR_STATUSES }).notNull().default('pending'),
    createdAt: bigint('created_at', { mode: 'number' }).notNull().$defaultFn(now),
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
    // The queue pick of label.next, in its ORDER BY (priority desc, created_at, id): SQLite walks
    // the index best first and stops at the first pair available to the user, instead of testing
    // every pending pair and sorting them (12 ms p50 with 3,000 pending pairs before, see README).
    index('pairs_queue_idx').on(t.status, t.runId, t.priority.desc(), t.createdAt, t.id),
    // The same pick across runs (plain /label, no run chosen).
    index('pairs_queue_all_idx').on(t.status, t.priority.desc(), t.createdAt, t.id),
    // A trainer that crashes and redoes an iteration can never insert the same pair twice
    // (NULLs are distinct: seeded and hand-made pairs are unaffected).
    uniqueIndex('pairs_run_iteration_slot_unique').on(t.runId, t.iteration, t.slot),
    // The gold pick in label.next: a run's few gold pairs, without scanning all its pairs.
    index('pairs_gold_idx').on(t.runId).where(sql`gold_choice is not null`),
    check('pairs_status_check', sql`${t.status} in (${inList(PAIR_STATUSES)})`),
    check('pairs_labels_wanted_check', sql`${t.labelsWanted} >= 1`),
  ],
);

export const leases = pgTable(
  'leases',
  {
    pairId: integer('pair_id').notNull().references(() => pairs.id, { onDelete: 'cascade' }),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.pairId, t.userId] }),
    // label.next drops expired leases first: a range, not a scan of every lease.
    index('leases_expires_idx').on(t.expiresAt),
  ],
);

export const labels = pgTable(
  'labels',
  {
    // bigint: label ids are the trainer's watermark, compared with any JS number (Number.MAX_SAFE_INTEGER: all).
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    /** Client-generated UUID: a retried submit finds its first result instead of a second row. */
    submissionId: text('submission_id').notNull().unique(),
    // No cascade: labels are the product; deleting a labeled pair or run must fail loudly.
    pairId: integer('pair_id').notNull().references(() => pairs.id),
    userId: integer('user_id').notNull().references(() => users.id),
    choice: text('choice', { enum: CHOICES }).notNull(),
    /** P(left preferred): left 1, right 0, equal 0.5; null for cant_tell. */
    y: doublePrecision('y'),
    shownAt: bigint('shown_at', { mode: 'number' }).notNull(),
    answeredAt: bigint('answered_at', { mode: 'number' }).notNull(),
    responseMs: integer('response_ms').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull().$defaultFn(now),
    undoneAt: bigint('undone_at', { mode: 'number' }),
  },
  (t) => [
    // One live label per (pair, user); undone labels stay for the audit trail.
    uniqueIndex('labels_pair_user_live_unique').on(t.pairId, t.userId).where(sql`undone_at IS NULL`),
    index('labels_user_created_idx').on(t.userId, t.createdAt),
    // The trainer's measured label rate: the labels of the last minute, whatever their user.
    index('labels_created_idx').on(t.createdAt),
    check('labels_choice_check', sql`${t.choice} in (${inList(CHOICES)})`),
  ],
);

/** Who may label a run that is not open to all (an admin or researcher assigns them). */
export const runAssignments = pgTable(
  'run_assignments',
  {
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    createdAt: bigint('created_at', { mode: 'number' }).notNull().$defaultFn(now),
  },
  (t) => [primaryKey({ columns: [t.runId, t.userId] }), index('run_assignments_user_idx').on(t.userId)],
);


/**
 * An annotator's report that a pair's clip is broken. A flagged pair leaves the queue, the
 * trainer's label set and the exports (unless an export asks for flagged pairs).
 */
export const pairFlags = pgTable(
  'pair_flags',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    pairId: integer('pair_id').notNull().references(() => pairs.id, { onDelete: 'cascade' }),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    side: text('side', { enum: FLAG_SIDES }).notNull(),
    comment: text('comment').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull().$defaultFn(now),
  },
  (t) => [
    uniqueIndex('pair_flags_pair_user_unique').on(t.pairId, t.userId),
    check('pair_flags_side_check', sql`${t.side} in (${inList(FLAG_SIDES)})`),
  ],
);

/** One practice round of an annotator on a run, scored against the gold answers. */
export const practiceAttempts = pgTable(
  'practice_attempts',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    correct: integer('correct').notNull(),
    total: integer('total').notNull(),
    passed: boolean('passed').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull().$defaultFn(now),
  },
  (t) => [index('practice_attempts_run_user_idx').on(t.runId, t.userId)],
);

export const metrics = pgTable(
  'metrics',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    iteration: integer('iteration').notNull(),
    name: text('name').notNull(),
    value: doublePrecision('value').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull().$defaultFn(now),
  },
  (t) => [index('metrics_run_name_iteration_idx').on(t.runId, t.name, t.iteration)],
);

/**
 * One row per trainer service (`TRAINER_ID`, default 'main'), rewritten every few seconds while
 * it runs: the web app (any number of replicas) tells a live trainer from a dead or hung one by
 * `beat_at`, not by anything in its own memory. `stopped_at` is set by a clean shutdown.
 */
export const trainerHeartbeats = pgTable('trainer_heartbeats', {
  trainerId: text('trainer_id').primaryKey(),
  pid: integer('pid').notNull(),
  startedAt: bigint('started_at', { mode: 'number' }).notNull(),
  beatAt: bigint('beat_at', { mode: 'number' }).notNull(),
  /** Active runs it saw on its last pass (a hint for the runs page). */
  activeRuns: integer('active_runs').notNull().default(0),
  stoppedAt: bigint('stopped_at', { mode: 'number' }),
  engines: text('engines'),
  heldRuns: integer('held_runs').notNull().default(0),
});

/** db/schema.ts runLeases: which trainer process holds each run (db/run-leases.ts). */
export const runLeases = pgTable(
  'run_leases',
  {
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    holderId: text('holder_id'),
    token: integer('token').notNull().default(0),
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull().default(0),
    claimedAt: bigint('claimed_at', { mode: 'number' }),
  },
  (t) => [primaryKey({ columns: [t.runId] }), index('run_leases_holder_idx').on(t.holderId)],
);


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
import type { ClipActions } from '../trainer/contracts/clip-actions';

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
export const signInAttempts = sqliteTable(
  'sign_in_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The email as typed, trimmed and lower-cased (it need not belong to an account). */
    email: text('email').notNull(),
    /** The client's address as the web server saw it. */
    address: text('address').notNull(),
    succeeded: integer('succeeded', { mode: 'boolean' }).notNull(),
    at: integer('at').notNull(),
  },
  (t) => [
    index('sign_in_attempts_email_at_idx').on(t.email, t.at),
    index('sign_in_attempts_address_at_idx').on(t.address, t.at),
    index('sign_in_attempts_at_idx').on(t.at),
  ],
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
    /** Free text for researchers (what the run is for); the name can be changed too. */
    description: text('description').notNull().default(''),
    /** Open to every annotator; when false only those in run_assignments see and label it. */
    openToAll: integer('open_to_all', { mode: 'boolean' }).notNull().default(true),
    /** How many labels the campaign wants in all (a progress bar for annotators); null: no target. */
    labelTarget: integer('label_target'),
    /** Gold pairs in the practice round an annotator must pass before labels count; 0: no practice. */
    practicePairs: integer('practice_pairs').notNull().default(0),
    /** Annotators may say "slightly better" (y 0.75 / 0.25) besides "much better" (1 / 0). */
    preferenceStrength: integer('preference_strength', { mode: 'boolean' }).notNull().default(false),
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
    /**
     * The trainer (TRAINER_ID) that committed it and the fencing token of its run lease at that
     * moment (run_leases): one holder per iteration, and a takeover shows as a higher token. Null
     * for checkpoints written before run leases, or outside the service (tools, tests).
     */
    committedBy: text('committed_by'),
    leaseToken: integer('lease_token'),
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
    /** One action per step: an index (discrete envs) or a vector (continuous envs), see ClipActions. */
    actions: text('actions', { mode: 'json' }).$type<ClipActions>().notNull(),
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
    // The queue pick of label.next, in its ORDER BY (priority desc, created_at, id): SQLite walks
    // the index best first and stops at the first pair available to the user, instead of testing
    // every pending pair and sorting them (12 ms p50 with 3,000 pending pairs before, see README).
    index('pairs_queue_idx').on(t.status, t.runId, sql`${t.priority} desc`, t.createdAt, t.id),
    // The same pick across runs (plain /label, no run chosen).
    index('pairs_queue_all_idx').on(t.status, sql`${t.priority} desc`, t.createdAt, t.id),
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
  (t) => [
    primaryKey({ columns: [t.pairId, t.userId] }),
    // label.next drops expired leases first: a range, not a scan of every lease.
    index('leases_expires_idx').on(t.expiresAt),
  ],
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
    // The trainer's measured label rate: the labels of the last minute, whatever their user.
    index('labels_created_idx').on(t.createdAt),
    check('labels_choice_check', sql`${t.choice} in (${inList(CHOICES)})`),
  ],
);

/** Who may label a run that is not open to all (an admin or researcher assigns them). */
export const runAssignments = sqliteTable(
  'run_assignments',
  {
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull().$defaultFn(now),
  },
  (t) => [primaryKey({ columns: [t.runId, t.userId] }), index('run_assignments_user_idx').on(t.userId)],
);

export const FLAG_SIDES = ['left', 'right', 'both'] as const;
export type FlagSide = (typeof FLAG_SIDES)[number];

/**
 * An annotator's report that a pair's clip is broken. A flagged pair leaves the queue, the
 * trainer's label set and the exports (unless an export asks for flagged pairs).
 */
export const pairFlags = sqliteTable(
  'pair_flags',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    pairId: integer('pair_id').notNull().references(() => pairs.id, { onDelete: 'cascade' }),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    side: text('side', { enum: FLAG_SIDES }).notNull(),
    comment: text('comment').notNull(),
    createdAt: integer('created_at').notNull().$defaultFn(now),
  },
  (t) => [
    uniqueIndex('pair_flags_pair_user_unique').on(t.pairId, t.userId),
    check('pair_flags_side_check', sql`${t.side} in (${inList(FLAG_SIDES)})`),
  ],
);

/** One practice round of an annotator on a run, scored against the gold answers. */
export const practiceAttempts = sqliteTable(
  'practice_attempts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    correct: integer('correct').notNull(),
    total: integer('total').notNull(),
    passed: integer('passed', { mode: 'boolean' }).notNull(),
    createdAt: integer('created_at').notNull().$defaultFn(now),
  },
  (t) => [index('practice_attempts_run_user_idx').on(t.runId, t.userId)],
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

/**
 * One row per trainer service (`TRAINER_ID`, default 'main'), rewritten every few seconds while
 * it runs: the web app (any number of replicas) tells a live trainer from a dead or hung one by
 * `beat_at`, not by anything in its own memory. `stopped_at` is set by a clean shutdown.
 */
export const trainerHeartbeats = sqliteTable('trainer_heartbeats', {
  trainerId: text('trainer_id').primaryKey(),
  pid: integer('pid').notNull(),
  startedAt: integer('started_at').notNull(),
  beatAt: integer('beat_at').notNull(),
  /** Active runs it saw on its last pass (a hint for the runs page). */
  activeRuns: integer('active_runs').notNull().default(0),
  stoppedAt: integer('stopped_at'),
  /** The engine kinds it takes (TRAINER_ENGINES, comma-separated); null: written before it was recorded. */
  engines: text('engines'),
  /** Runs it held a lease on at its last beat (run_leases). */
  heldRuns: integer('held_runs').notNull().default(0),
});

/**
 * Which trainer process holds each run (one at a time; several trainers may share a database,
 * on other machines): the holder iterates the run and renews `expires_at` on its heartbeat; once
 * it expires (the holder died, hung or lost the database) another trainer claims the run and
 * resumes from its newest checkpoint. `token` grows at every claim, and a commit of an
 * iteration checks in its own transaction that holder and token are still the committer's
 * (trainer/service/store.ts), so a holder that lost the lease cannot write a stale iteration
 * over the new holder's. A row per run that any trainer has seen active; `holder_id` null: free
 * (released by a clean shutdown, or never claimed). db/run-leases.ts.
 */
export const runLeases = sqliteTable(
  'run_leases',
  {
    runId: integer('run_id').notNull().references(() => runs.id, { onDelete: 'cascade' }),
    /** The holder's TRAINER_ID; null: nobody holds the run. */
    holderId: text('holder_id'),
    /** Fencing token: incremented by every claim. */
    token: integer('token').notNull().default(0),
    /** ms since the epoch; after it, any trainer may claim the run. */
    expiresAt: integer('expires_at').notNull().default(0),
    claimedAt: integer('claimed_at'),
  },
  (t) => [primaryKey({ columns: [t.runId] }), index('run_leases_holder_idx').on(t.holderId)],
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
export type PairFlag = typeof pairFlags.$inferSelect;
export type RunLease = typeof runLeases.$inferSelect;
export type SignInAttempt = typeof signInAttempts.$inferSelect;
export type NewMetric = typeof metrics.$inferInsert;
export type TrainerHeartbeat = typeof trainerHeartbeats.$inferSelect;

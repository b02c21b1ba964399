import { TRPCError } from '@trpc/server';
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { pairs, practiceAttempts, runAssignments, runs, type Role, type RunStatus } from '@/db/schema';
import type { Db } from '@/db/client';
import type { Tx } from '@/db/transactions';
import { asFlag, firstRow } from '@/db/dialect';

/**
 * Who may label which run (campaigns): annotators see runs open to all and runs they are
 * assigned to; researchers and admins see every run (they check their own instructions). A run
 * with a practice round counts a person's labels only after they passed it. Plain SQL
 * predicates over `runs` (and `pairs`), so the queue, the counts and the run list agree.
 */

export interface Labeler {
  id: number;
  role: Role;
}

type Reader = Db | Tx;

/** Runs this person may see and label; undefined (no restriction) for researchers and admins. */
export function visibleRuns(user: Labeler): SQL | undefined {
  if (user.role !== 'annotator') return undefined;
  return sql`(${eq(runs.openToAll, true)} or exists (select 1 from ${runAssignments}
    where ${runAssignments.runId} = ${runs.id} and ${runAssignments.userId} = ${user.id}))`;
}

/** The run has no practice round, or this user passed it. */
export function practiceDone(userId: number): SQL {
  return sql`(${runs.practicePairs} = 0 or exists (select 1 from ${practiceAttempts}
    where ${practiceAttempts.runId} = ${runs.id} and ${practiceAttempts.userId} = ${userId} and ${eq(practiceAttempts.passed, true)}))`;
}

export { pairNotFlagged } from '@/db/flags';

export interface RunGate {
  id: number;
  name: string;
  status: RunStatus;
  practiceRequired: boolean;
  preferenceStrength: boolean;
}

/**
 * The run as this person may label it, or a NOT_FOUND naming it: a run they may not see is
 * answered exactly like one that does not exist, so run ids of other campaigns do not leak.
 */
export async function runForLabeler(db: Reader, user: Labeler, runId: number): Promise<RunGate> {
  const row = await firstRow(
    db
    .select({
      id: runs.id,
      name: runs.name,
      status: runs.status,
      practiceDone: asFlag(practiceDone(user.id)),
      preferenceStrength: runs.preferenceStrength,
    })
    .from(runs)
    .where(and(eq(runs.id, runId), visibleRuns(user))),
  );
  if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `run ${runId} does not exist` });
  return { id: row.id, name: row.name, status: row.status, practiceRequired: !row.practiceDone, preferenceStrength: row.preferenceStrength };
}

/** Labels are taken only while a run is active: a paused or stopped run refuses them in words. */
export function assertAcceptsLabels(gate: RunGate): void {
  if (gate.status !== 'active') {
    throw new TRPCError({
      code: 'CONFLICT',
      message: `run "${gate.name}" is ${gate.status}: it takes no labels ${gate.status === 'paused' ? 'until a researcher resumes it' : 'any more'}`,
    });
  }
  if (gate.practiceRequired) {
    throw new TRPCError({ code: 'PRECONDITION_FAILED', message: `run "${gate.name}" needs its practice round passed before labels count` });
  }
}

/** The run a pair belongs to, gated for this person (NOT_FOUND when the pair does not exist). */
export async function runOfPair(db: Reader, user: Labeler, pairId: number): Promise<RunGate> {
  const pair = await firstRow(db.select({ runId: pairs.runId }).from(pairs).where(eq(pairs.id, pairId)));
  if (!pair) throw new TRPCError({ code: 'NOT_FOUND', message: `pair ${pairId} does not exist` });
  return runForLabeler(db, user, pair.runId);
}

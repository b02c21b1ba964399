import { TRPCError } from '@trpc/server';
import { and, asc, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import { runAssignments, runs, users } from '@/db/schema';
import type { Db } from '@/db/client';
import { writeTx } from '@/db/transactions';
import { countAvailablePairs } from './queue';
import { practiceDone, visibleRuns, type Labeler } from './runAccess';
import { asFlag, firstRow } from '@/db/dialect';

/** Campaigns: which runs a person labels, their progress, and who is assigned to what. */

export interface MyRun {
  id: number;
  name: string;
  envId: string;
  instructions: string;
  description: string;
  status: 'active' | 'paused' | 'stopped';
  /** Your live labels on the run; all live labels on it; its target (null: none). */
  mine: number;
  runLabels: number;
  labelTarget: number | null;
  pairsWaiting: number;
  practiceRequired: boolean;
}

/** The runs this person may label (stopped ones left out), newest first. */
export async function myRuns(db: Db, user: Labeler, now: number): Promise<MyRun[]> {
  const rows = await db
    .select({
      id: runs.id,
      name: runs.name,
      envId: runs.envId,
      instructions: runs.instructions,
      description: runs.description,
      status: runs.status,
      labelTarget: runs.labelTarget,
      practiceDone: asFlag(practiceDone(user.id)),
      // Written out: drizzle prints columns unqualified inside a single-table select.
      mine: sql<number>`(select count(*) from labels l join pairs p on p.id = l.pair_id
        where p.run_id = runs.id and l.user_id = ${user.id} and l.undone_at is null)`,
      runLabels: sql<number>`(select count(*) from labels l join pairs p on p.id = l.pair_id
        where p.run_id = runs.id and l.undone_at is null)`,
    })
    .from(runs)
    .where(and(ne(runs.status, 'stopped'), visibleRuns(user)))
    .orderBy(desc(runs.createdAt), desc(runs.id));
  const mine: MyRun[] = [];
  for (const { practiceDone: done, ...r } of rows) {
    mine.push({ ...r, practiceRequired: !done, pairsWaiting: await countAvailablePairs(db, { userId: user.id, role: user.role, runId: r.id, now }) });
  }
  return mine;
}

export interface CampaignSettings {
  runId: number;
  name?: string | undefined;
  description?: string | undefined;
  openToAll?: boolean | undefined;
  labelTarget?: number | null | undefined;
  practicePairs?: number | undefined;
  preferenceStrength?: boolean | undefined;
}

export function updateCampaign(db: Db, input: CampaignSettings, now: number) {
  const { runId, ...changes } = input;
  return writeTx(db, async (tx) => {
    const updated = await firstRow(tx
      .update(runs)
      .set({ ...changes, updatedAt: now })
      .where(eq(runs.id, runId))
      .returning({
        id: runs.id, name: runs.name, description: runs.description, openToAll: runs.openToAll,
        labelTarget: runs.labelTarget, practicePairs: runs.practicePairs, preferenceStrength: runs.preferenceStrength,
      }));
    if (!updated) throw new TRPCError({ code: 'NOT_FOUND', message: `run ${runId} does not exist` });
    return updated;
  });
}

/** Replaces the run's assigned annotators with `userIds` (annotators only). */
export async function setAssignments(db: Db, runId: number, userIds: readonly number[], now: number): Promise<{ runId: number; userIds: number[] }> {
  return writeTx(db, async (tx) => {
    if (!(await firstRow(tx.select({ id: runs.id }).from(runs).where(eq(runs.id, runId))))) {
      throw new TRPCError({ code: 'NOT_FOUND', message: `run ${runId} does not exist` });
    }
    const wanted = [...new Set(userIds)];
    if (wanted.length > 0) {
      const found = await tx.select({ id: users.id }).from(users).where(and(inArray(users.id, wanted), eq(users.role, 'annotator')));
      const missing = wanted.filter((id) => !found.some((f) => f.id === id));
      if (missing.length > 0) throw new TRPCError({ code: 'BAD_REQUEST', message: `userIds: ${missing.join(', ')} are not annotators` });
    }
    await tx.delete(runAssignments).where(eq(runAssignments.runId, runId));
    for (const userId of wanted) await tx.insert(runAssignments).values({ runId, userId, createdAt: now });
    return { runId, userIds: wanted.sort((a, b) => a - b) };
  });
}

/** Every annotator, with whether they are assigned to the run. */
export async function runAnnotators(db: Db, runId: number) {
  return (await db
    .select({
      id: users.id,
      name: users.name,
      email: users.email,
      disabled: users.disabled,
      assigned: asFlag(sql`exists (select 1 from run_assignments a where a.run_id = ${runId} and a.user_id = ${users.id})`),
    })
    .from(users)
    .where(eq(users.role, 'annotator'))
    .orderBy(asc(users.id))
  ).map((u) => ({ ...u, assigned: Boolean(u.assigned) }));
}

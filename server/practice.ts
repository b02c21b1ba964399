import { TRPCError } from '@trpc/server';
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import { pairs, practiceAttempts, runs, type Choice, type GoldChoice } from '@/db/schema';
import type { Db } from '@/db/client';
import { writeTx } from '@/db/transactions';
import { loadPairView, type ClipView } from './queue';
import { runForLabeler, type Labeler } from './runAccess';
import { firstRow } from '@/db/dialect';

/**
 * Onboarding from a run's gold pairs (pairs an admin gave a correct answer): a few examples shown
 * WITH their answers, then, when the run asks for it (practice_pairs > 0), a practice round of
 * other gold pairs answered blind and scored against gold. Real labels count only after a pass.
 */

export const EXAMPLE_PAIRS = 2;
/** Share of practice answers that must match gold to pass. */
export const PASS_SHARE = 0.8;

export interface OnboardingPair {
  pairId: number;
  left: ClipView;
  right: ClipView;
}

export interface Onboarding {
  runId: number;
  runName: string;
  instructions: string;
  description: string;
  examples: Array<OnboardingPair & { answer: GoldChoice }>;
  /** The practice pairs (answers withheld); empty when the run has no practice round. */
  practice: OnboardingPair[];
  passNeeded: number;
  passed: boolean;
}

async function goldPairsOf(db: Db, runId: number) {
  return (await db
    .select({ id: pairs.id, goldChoice: pairs.goldChoice })
    .from(pairs)
    .where(and(eq(pairs.runId, runId), isNotNull(pairs.goldChoice)))
    .orderBy(asc(pairs.id))) as Array<{ id: number; goldChoice: GoldChoice }>;
}

/**
 * Examples and practice pairs never overlap: a pair whose answer was just shown would score
 * memory, not judgement. The practice round has first call on the gold pool; the examples take
 * only what it leaves (none when there are no more gold pairs than practice pairs).
 */
function split(gold: Awaited<ReturnType<typeof goldPairsOf>>, practicePairs: number) {
  const exampleCount = Math.max(0, Math.min(EXAMPLE_PAIRS, gold.length - practicePairs));
  return { examples: gold.slice(0, exampleCount), practice: gold.slice(exampleCount, exampleCount + practicePairs) };
}

const passNeeded = (total: number) => Math.ceil(PASS_SHARE * total);

async function runRow(db: Db, runId: number) {
  return (await firstRow(db
    .select({ instructions: runs.instructions, description: runs.description, practicePairs: runs.practicePairs })
    .from(runs)
    .where(eq(runs.id, runId))))!;
}

export async function onboarding(db: Db, user: Labeler, runId: number): Promise<Onboarding> {
  const gate = await runForLabeler(db, user, runId);
  const run = await runRow(db, runId);
  const { examples, practice } = split(await goldPairsOf(db, runId), run.practicePairs);
  const view = async (id: number): Promise<OnboardingPair> => {
    const v = await loadPairView(db, id, 0);
    return { pairId: id, left: v.left, right: v.right };
  };
  return {
    runId,
    runName: gate.name,
    instructions: run.instructions,
    description: run.description,
    examples: await Promise.all(examples.map(async (g) => ({ ...(await view(g.id)), answer: g.goldChoice }))),
    practice: await Promise.all(practice.map((g) => view(g.id))),
    passNeeded: passNeeded(practice.length),
    passed: !gate.practiceRequired,
  };
}

export interface PracticeResult {
  correct: number;
  total: number;
  passed: boolean;
  /** Each practice pair with the gold answer, so the annotator learns from the round. */
  answers: Array<{ pairId: number; given: Choice; answer: GoldChoice; correct: boolean }>;
}

/** Scores a practice round against gold; every practice pair must be answered exactly once. */
export async function submitPractice(db: Db, user: Labeler, input: { runId: number; answers: Array<{ pairId: number; choice: Choice }> }, now: number): Promise<PracticeResult> {
  const gate = await runForLabeler(db, user, input.runId);
  const run = await runRow(db, input.runId);
  if (run.practicePairs === 0) throw new TRPCError({ code: 'BAD_REQUEST', message: `run "${gate.name}" has no practice round` });
  const { practice } = split(await goldPairsOf(db, input.runId), run.practicePairs);
  if (practice.length === 0) {
    throw new TRPCError({ code: 'PRECONDITION_FAILED', message: `run "${gate.name}" has no gold pairs for its practice round yet; ask a researcher to mark some` });
  }
  const given = new Map(input.answers.map((a) => [a.pairId, a.choice]));
  const expected = new Set(practice.map((p) => p.id));
  if (given.size !== input.answers.length || given.size !== expected.size || [...given.keys()].some((id) => !expected.has(id))) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: `answers: answer each of the ${expected.size} practice pairs once (pairs ${[...expected].join(', ')})` });
  }
  const answers = practice.map((p) => {
    const choice = given.get(p.id)!;
    return { pairId: p.id, given: choice, answer: p.goldChoice, correct: choice === p.goldChoice };
  });
  const correct = answers.filter((a) => a.correct).length;
  const passed = correct >= passNeeded(practice.length);
  await writeTx(db, async (tx) =>
    await tx.insert(practiceAttempts).values({ runId: input.runId, userId: user.id, correct, total: practice.length, passed, createdAt: now }),
  );
  return { correct, total: practice.length, passed, answers };
}

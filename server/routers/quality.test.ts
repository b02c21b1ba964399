import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '@/db/schema';
import { addRun, addUser, callerFor, freshDb, outcome } from '@/tests/helpers/server/fixtures';
import { insertLabel } from '@/tests/helpers/server/export-fixtures';

let env: Awaited<ReturnType<typeof freshDb>>;
let admin: User;
let researcher: User;
let annotator: User;
let x: User;
let y: User;
let runId: number;

beforeAll(async () => {
  env = (await freshDb('quality'));
  admin = (await addUser(env.db, 'admin'));
  researcher = (await addUser(env.db, 'researcher'));
  annotator = (await addUser(env.db, 'annotator'));
  x = (await addUser(env.db, 'annotator'));
  y = (await addUser(env.db, 'annotator'));
  const run = await addRun(env.db, { count: 4, labelsWanted: 2 });
  runId = run.runId;
  const [p1, p2, p3, p4] = run.pairIds as [number, number, number, number];
  // x: L R L E;  y: L R R E; and an undone label of y on p1 that must not count.
  // p_o = 3/4; x: L2 R1 E1, y: L1 R2 E1; p_e = (2*1 + 1*2 + 1*1)/16 = 5/16;
  // kappa = (3/4 - 5/16) / (11/16) = (7/16)/(11/16) = 7/11.
  const t = 1_740_000_000_000;
  await insertLabel(env.db, { pairId: p1, userId: y.id, choice: 'right', answeredAt: t, undone: true });
  for (const [i, [pairId, cx, cy]] of ([[p1, 'left', 'left'], [p2, 'right', 'right'], [p3, 'left', 'right'], [p4, 'equal', 'equal']] as const).entries()) {
    await insertLabel(env.db, { pairId, userId: x.id, choice: cx, answeredAt: t + i, responseMs: 1000 * (i + 1) });
    await insertLabel(env.db, { pairId, userId: y.id, choice: cy, answeredAt: t + i, responseMs: 500 });
  }
});
afterAll(() => env.cleanup());

describe('quality.agreement', () => {
  it('is for researchers and admins only', async () => {
    expect(await outcome(callerFor(env.db, null).quality.agreement({ runId }))).toBe('UNAUTHORIZED');
    expect(await outcome(callerFor(env.db, annotator).quality.agreement({ runId }))).toBe('FORBIDDEN');
    expect(await outcome(callerFor(env.db, researcher).quality.agreement({ runId }))).toBe('OK');
    expect(await outcome(callerFor(env.db, admin).quality.agreement({ runId: 999_999 }))).toBe('NOT_FOUND');
  });

  it("reports the run's kappa, alpha and per-annotator numbers over live labels, by pseudonym", async () => {
    const report = await callerFor(env.db, admin).quality.agreement({ runId });
    expect(report.labels).toBe(8);
    expect(report.kappa?.kappa).toBeCloseTo(7 / 11, 12);
    expect(report.perAnnotator.map((p) => p.annotator).sort()).toEqual([x.pseudonym, y.pseudonym].sort());
    const px = report.perAnnotator.find((p) => p.annotator === x.pseudonym)!;
    expect(px.medianResponseMs).toBe(2500);
    expect(px.withMajority).toEqual({ compared: 4, agreed: 3, rate: 0.75 });
    expect(JSON.stringify(report)).not.toContain('@example.com');
  });
});

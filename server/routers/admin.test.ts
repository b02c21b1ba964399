import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import bcrypt from 'bcryptjs';
import type { Db } from '@/db/client';
import { users } from '@/db/schema';
import { authorizeCredentials } from '../auth';
import { addRun, addUser, callerFor, freshDb, outcome } from '@/tests/helpers/server/fixtures';
import { firstRow } from '@/db/dialect';

let db: Db;
let cleanup: () => void;
beforeAll(async () => ({ db, cleanup } = (await freshDb('admin'))));
afterAll(() => cleanup());

describe('admin.users', () => {
  it('creates a user who can then sign in, with a pseudonym and no hash in the answer', async () => {
    const admin = callerFor(db, await addUser(db, 'admin'));
    const created = await admin.admin.users.create({ email: '  New.Person@Example.com ', name: 'New Person', role: 'researcher', password: 'sup3r secret' });
    expect(created).toMatchObject({ email: 'new.person@example.com', name: 'New Person', role: 'researcher', disabled: false });
    expect(created.pseudonym).toMatch(/^res-[0-9a-f]{4,}$/);
    expect(created).not.toHaveProperty('passwordHash');
    const listed = await admin.admin.users.list();
    expect(listed.find((u) => u.id === created.id)).toEqual(created);
    expect(listed.every((u) => !('passwordHash' in u))).toBe(true);
    const signedIn = await authorizeCredentials(db, { email: 'new.person@example.com', password: 'sup3r secret' });
    expect(signedIn).toEqual({ id: String(created.id), email: 'new.person@example.com', name: 'New Person', role: 'researcher', sessionVersion: 0 });
  });

  it('refuses duplicate emails, weak passwords and unknown roles with 4xx codes', async () => {
    const admin = callerFor(db, await addUser(db, 'admin'));
    await admin.admin.users.create({ email: 'dup@example.com', name: 'A', role: 'annotator', password: 'password1' });
    expect(await outcome(admin.admin.users.create({ email: 'DUP@example.com', name: 'B', role: 'annotator', password: 'password1' }))).toBe('CONFLICT');
    expect(await outcome(admin.admin.users.create({ email: 'x@example.com', name: 'B', role: 'annotator', password: 'short' }))).toBe('BAD_REQUEST');
    expect(await outcome(admin.admin.users.create({ email: 'x@example.com', name: 'B', role: 'annotator', password: 'é'.repeat(40) }))).toBe('BAD_REQUEST');
    expect(await outcome(admin.admin.users.create({ email: 'not an email', name: 'B', role: 'annotator', password: 'password1' }))).toBe('BAD_REQUEST');
    expect(await outcome(admin.admin.users.create({ email: 'y@example.com', name: 'B', role: 'root' as never, password: 'password1' }))).toBe('BAD_REQUEST');
  });

  it('resets a password: the old one stops working, the new one works', async () => {
    const admin = callerFor(db, await addUser(db, 'admin'));
    const target = await addUser(db, 'annotator');
    await admin.admin.users.resetPassword({ userId: target.id, password: 'brand new pass' });
    const hash = (await firstRow(db.select().from(users).where(eq(users.id, target.id))))!.passwordHash;
    expect(bcrypt.compareSync('brand new pass', hash)).toBe(true);
    expect(await authorizeCredentials(db, { email: target.email, password: 'correct horse battery' })).toBeNull();
    expect(await authorizeCredentials(db, { email: target.email, password: 'brand new pass' })).not.toBeNull();
    expect(await outcome(admin.admin.users.resetPassword({ userId: 999_999, password: 'brand new pass' }))).toBe('NOT_FOUND');
  });

  it('disables an account (never your own)', async () => {
    const adminUser = await addUser(db, 'admin');
    const admin = callerFor(db, adminUser);
    const target = await addUser(db, 'annotator');
    expect(await admin.admin.users.setDisabled({ userId: target.id, disabled: true })).toEqual({ userId: target.id, disabled: true });
    expect(await authorizeCredentials(db, { email: target.email, password: 'correct horse battery' })).toBeNull();
    expect(await outcome(admin.admin.users.setDisabled({ userId: adminUser.id, disabled: true }))).toBe('BAD_REQUEST');
    expect(await outcome(admin.admin.users.setDisabled({ userId: 999_999, disabled: false }))).toBe('NOT_FOUND');
  });
});

describe('runs.list', () => {
  it('lists runs with their clip, pair and label counts', async () => {
    const { runId, pairIds } = await addRun(db, { count: 3, name: 'counted run' });
    const annotator = await addUser(db, 'annotator');
    const caller = callerFor(db, annotator);
    const pair = (await caller.label.next({ runId })).pair!;
    await caller.label.submit({ submissionId: crypto.randomUUID(), pairId: pair.id, choice: 'left', shownAt: 1, answeredAt: 2 });
    const list = await callerFor(db, await addUser(db, 'researcher')).runs.list();
    expect(list.find((r) => r.id === runId)).toMatchObject({
      name: 'counted run',
      envId: 'grid5',
      status: 'active',
      clipCount: 2 * pairIds.length,
      pairCount: 3,
      pairsPending: 2,
      labelCount: 1,
    });
  });
});

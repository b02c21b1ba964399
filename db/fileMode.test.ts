import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeDb, openDb } from './client';
import { migrateDb } from './migrate';

/** The SQLite file holds emails and password hashes: nobody but its owner may read it. */

const dirs: string[] = [];
const savedUmask = process.umask();
afterEach(() => {
  process.umask(savedUmask);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describe('database file permissions', () => {
  it('creates app.sqlite and its -wal and -shm 0600, even under a permissive umask', async () => {
    process.umask(0o022); // the common default, under which SQLite alone creates 0644 files
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'db-mode-'));
    dirs.push(dir);
    const file = path.join(dir, 'data', 'app.sqlite');
    const db = openDb(file);
    await migrateDb(db); // writes: the WAL and shared-memory files now exist
    expect(fs.existsSync(`${file}-wal`)).toBe(true);
    expect(fs.existsSync(`${file}-shm`)).toBe(true);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect(modeOf(f).toString(8), f).toBe('600');
    expect(modeOf(path.dirname(file)).toString(8)).toBe('700');
    await closeDb(db);
  });

  it('tightens a database an older build left 0644', async () => {
    process.umask(0o022);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'db-mode-'));
    dirs.push(dir);
    const file = path.join(dir, 'app.sqlite');
    fs.writeFileSync(file, '');
    fs.chmodSync(file, 0o644);
    const db = openDb(file);
    await migrateDb(db);
    expect(modeOf(file).toString(8)).toBe('600');
    await closeDb(db);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getServerEnv, persistedSecret, resetServerEnvForTests, sessionSecret } from './env';

const saved = { ...process.env };
const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  for (const key of ['DATABASE_PATH', 'DATABASE_URL', 'NEXTAUTH_SECRET', 'NEXTAUTH_URL']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  resetServerEnvForTests();
});

const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h4-env-'));
  made.push(dir);
  return dir;
};

describe('server env', () => {
  it('generates a secret once beside the database and reuses it', () => {
    const dir = tempDir();
    const secret = persistedSecret(dir);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(persistedSecret(dir)).toBe(secret);
    expect(fs.statSync(path.join(dir, '.nextauth-secret')).mode & 0o777).toBe(0o600);
  });

  it('resolves DATABASE_PATH to an absolute path and prefers NEXTAUTH_SECRET when set', () => {
    const dir = tempDir();
    process.env.DATABASE_PATH = path.relative(process.cwd(), path.join(dir, 'x.sqlite'));
    process.env.NEXTAUTH_SECRET = 'a-secret-from-the-environment';
    const env = getServerEnv();
    expect(env.databasePath).toBe(path.join(dir, 'x.sqlite'));
    expect(env.nextAuthSecret).toBe('a-secret-from-the-environment');
    expect(fs.existsSync(path.join(dir, '.nextauth-secret'))).toBe(false);
  });

  it('falls back to the persisted secret and exports it for next-auth', () => {
    const dir = tempDir();
    process.env.DATABASE_PATH = path.join(dir, 'db.sqlite');
    delete process.env.NEXTAUTH_SECRET;
    const env = getServerEnv();
    expect(env.nextAuthSecret).toBe(fs.readFileSync(path.join(dir, '.nextauth-secret'), 'utf8').trim());
    expect(process.env.NEXTAUTH_SECRET).toBe(env.nextAuthSecret);
  });

  it('names the bad variable in its error', () => {
    process.env.NEXTAUTH_URL = 'not a url';
    expect(() => getServerEnv()).toThrow(/NEXTAUTH_URL/);
  });

  it('with DATABASE_URL (several web replicas) refuses to start without NEXTAUTH_SECRET, naming it, and writes no per-machine secret', () => {
    const dir = tempDir();
    process.env.DATABASE_PATH = path.join(dir, 'db.sqlite');
    process.env.DATABASE_URL = 'postgres://app@db.internal/sobirl';
    delete process.env.NEXTAUTH_SECRET;
    expect(() => getServerEnv()).toThrow(/NEXTAUTH_SECRET must be set when DATABASE_URL is/);
    expect(fs.existsSync(path.join(dir, '.nextauth-secret'))).toBe(false);
    expect(sessionSecret({ DATABASE_URL: process.env.DATABASE_URL, NEXTAUTH_SECRET: 'shared-by-every-replica' }, dir)).toBe('shared-by-every-replica');
  });
});

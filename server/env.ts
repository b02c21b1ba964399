import { z } from 'zod';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { resolveDatabasePath } from '../db/client';

/**
 * The one place that reads process.env for the server. Parsed lazily (on first use) because
 * `next build` imports server modules without a runtime environment.
 */
const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_PATH: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  NEXTAUTH_SECRET: z.string().min(16, 'NEXTAUTH_SECRET must be at least 16 characters').optional(),
  NEXTAUTH_URL: z.url('NEXTAUTH_URL must be a full URL such as http://127.0.0.1:3000').optional(),
  /** When set, every tRPC request's server-side duration is appended to this file (npm run bench:load reads it). */
  SERVER_TIMING_FILE: z.string().min(1).optional(),
  /**
   * How many reverse proxies in front of the web server append to X-Forwarded-For (0: none). The
   * sign-in limiter's client address is read that many entries from the right
   * (server/signInLimiter.ts clientAddress).
   */
  TRUSTED_PROXY_HOPS: z.coerce.number({ message: 'TRUSTED_PROXY_HOPS must be a whole number from 0 to 10' })
    .int('TRUSTED_PROXY_HOPS must be a whole number from 0 to 10')
    .min(0, 'TRUSTED_PROXY_HOPS must be a whole number from 0 to 10')
    .max(10, 'TRUSTED_PROXY_HOPS must be a whole number from 0 to 10')
    .default(0),
});

export interface ServerEnv {
  nodeEnv: 'development' | 'production' | 'test';
  /** Absolute path of the SQLite file (web and trainer must agree on it). */
  databasePath: string;
  nextAuthSecret: string;
  nextAuthUrl: string | undefined;
  serverTimingFile: string | undefined;
  /** Reverse proxies in front that append to X-Forwarded-For (TRUSTED_PROXY_HOPS). */
  trustedProxyHops: number;
}

let cached: ServerEnv | undefined;

export function getServerEnv(): ServerEnv {
  if (cached) return cached;
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid server environment:\n${problems}`);
  }
  const databasePath = resolveDatabasePath(parsed.data.DATABASE_PATH);
  const nextAuthSecret = sessionSecret(parsed.data, path.dirname(databasePath));
  // next-auth's own helpers (getToken, middleware) read the variable directly.
  process.env.NEXTAUTH_SECRET = nextAuthSecret;
  cached = {
    nodeEnv: parsed.data.NODE_ENV,
    databasePath,
    nextAuthSecret,
    nextAuthUrl: parsed.data.NEXTAUTH_URL,
    serverTimingFile: parsed.data.SERVER_TIMING_FILE ? path.resolve(parsed.data.SERVER_TIMING_FILE) : undefined,
    trustedProxyHops: parsed.data.TRUSTED_PROXY_HOPS,
  };
  return cached;
}

/**
 * The secret that signs session cookies: NEXTAUTH_SECRET, else (SQLite, one machine) the one kept
 * beside the database. With DATABASE_URL (PostgreSQL, where several web replicas on several
 * machines may serve the same users) it must come from the environment: a secret generated on
 * each machine would make one replica refuse the sessions another signed.
 */
export function sessionSecret(env: { NEXTAUTH_SECRET?: string | undefined; DATABASE_URL?: string | undefined }, databaseDir: string): string {
  if (env.NEXTAUTH_SECRET) return env.NEXTAUTH_SECRET;
  if (env.DATABASE_URL && env.DATABASE_URL.trim() !== '') {
    throw new Error(
      'NEXTAUTH_SECRET must be set when DATABASE_URL is: every web replica must sign sessions with the same secret '
        + '(a secret generated on each machine would make one replica refuse the sessions of another); e.g. `openssl rand -base64 32`',
    );
  }
  return persistedSecret(databaseDir);
}

/**
 * Without NEXTAUTH_SECRET (a fresh clone running `npm start`), generate a secret once and keep it
 * beside the database, so sessions survive a restart and nobody ships a well-known default.
 */
export function persistedSecret(dir: string): string {
  const file = path.join(dir, '.nextauth-secret');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch {
    // absent: create it below
  }
  fs.mkdirSync(dir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    // 'wx' fails if another process (web vs trainer starting together) wrote it first.
    fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch {
    return fs.readFileSync(file, 'utf8').trim();
  }
}

/** For tests only: forget the parsed environment. */
export function resetServerEnvForTests(): void {
  cached = undefined;
}

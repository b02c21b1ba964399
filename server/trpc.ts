import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError, z } from 'zod';
import { getDb, type Db } from '@/db/client';
import { ROLES, type Role } from '@/db/schema';
import { isConstraintViolation } from '@/db/dialect';
import type { SessionUser } from './auth';
import { getServerEnv } from './env';
import { sessionTokenFromHeaders } from './http/sessionToken';
import { activeSessionUser, type SessionClaims } from './sessionUser';

/** The part of a next-auth session the server relies on (tests build it by hand). */
export interface ContextSession {
  user: SessionUser;
}

export interface ContextOptions {
  session: ContextSession | null;
  db: Db;
  /** Clock in ms; tests pass their own to move past lease expiry and the undo window. */
  now?: () => number;
}

/** The request-free context: what routers see, and what tests build directly. */
export function createContextInner(opts: ContextOptions) {
  return { session: opts.session, db: opts.db, now: opts.now ?? Date.now };
}

export type Context = ReturnType<typeof createContextInner>;

/**
 * The context for a request whose session JWT makes `claims`: the users table decides whether
 * they still hold (a disabled account, or one whose password or role changed since the token was
 * issued, loses access at its next request, not when its token expires) and with which role.
 */
export async function contextForClaims(db: Db, claims: SessionClaims | null): Promise<Context> {
  const user = await activeSessionUser(db, claims);
  return createContextInner({ session: user ? { user } : null, db });
}

/**
 * The per-request context for the fetch adapter (and the route handlers): the session cookie's
 * JWT, decoded by next-auth (server/http/sessionToken.ts), then checked against the users table.
 */
export async function createContext(opts: { headers: Headers }): Promise<Context> {
  const token = await sessionTokenFromHeaders(opts.headers, getServerEnv().nextAuthSecret);
  const claims = token ? { id: token.id, sessionVersion: token.sessionVersion } : null;
  return contextForClaims(getDb(), claims);
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    return {
      ...shape,
      data: {
        ...shape.data,
        zodError: error.cause instanceof ZodError ? z.flattenError(error.cause) : null,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Constraint violations (a unique index, a foreign key; SQLite or PostgreSQL) mean the request clashed with
 * the data, not that the server broke: answer CONFLICT instead of a 500.
 */
const mapDatabaseErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause: unknown = result.error.cause;
    if (isConstraintViolation(cause)) {
      throw new TRPCError({ code: 'CONFLICT', message: 'the request conflicts with existing data', cause });
    }
  }
  return result;
});

export const publicProcedure = t.procedure.use(mapDatabaseErrors);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first' });
  return next({ ctx: { session: ctx.session, user: ctx.session.user } });
});

/** A procedure only the given roles may call; `ctx.user` is the signed-in user. */
export function roleProcedure(...allowed: [Role, ...Role[]]) {
  return protectedProcedure.use(({ ctx, next }) => {
    if (!allowed.includes(ctx.user.role)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `needs role ${allowed.join(' or ')}; you are ${ctx.user.role}` });
    }
    return next({ ctx });
  });
}

export const ALL_ROLES = ROLES;

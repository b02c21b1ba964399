import { TRPCError } from '@trpc/server';
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { ROLES, users } from '@/db/schema';
import { hashPassword, insertUser, PASSWORD_MAX_BYTES, PASSWORD_MIN_LENGTH } from '@/db/users';
import { writeTx } from '@/db/transactions';
import { text, wellFormedCheck } from '@/trainer/contracts/text';
import { revokeSessions } from '../sessionUser';
import { createTRPCRouter, roleProcedure } from '../trpc';
import { firstRow } from '@/db/dialect';

const admin = roleProcedure('admin');

const password = text(PASSWORD_MAX_BYTES)
  .min(PASSWORD_MIN_LENGTH, `The password must be at least ${PASSWORD_MIN_LENGTH} characters long.`)
  .refine((p) => Buffer.byteLength(p, 'utf8') <= PASSWORD_MAX_BYTES, `The password must be at most ${PASSWORD_MAX_BYTES} bytes long.`);
const userId = z.number().int().positive();

/** Columns safe to send to the browser (never the password hash). */
const publicUser = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  pseudonym: users.pseudonym,
  createdAt: users.createdAt,
  disabled: users.disabled,
};

export const adminRouter = createTRPCRouter({
  users: createTRPCRouter({
    list: admin.query(async ({ ctx }) => (await ctx.db.select(publicUser).from(users).orderBy(asc(users.id)))),

    create: admin
      .input(
        z.object({
          email: text(254).trim().toLowerCase().pipe(await z.email('The email address is not valid.').check(wellFormedCheck)),
          name: text(100).trim().min(1, 'The name must not be empty.'),
          role: z.enum(ROLES, { message: `The role must be one of ${ROLES.join(', ')}.` }),
          password,
        }),
      )
      .mutation(({ ctx, input }) => {
        const passwordHash = hashPassword(input.password);
        return writeTx(ctx.db, async (tx) => {
          const taken = await firstRow(tx.select({ id: users.id }).from(users).where(eq(users.email, input.email)));
          if (taken) throw new TRPCError({ code: 'CONFLICT', message: `a user with email ${input.email} exists` });
          const { passwordHash: _hash, sessionVersion: _version, ...created } = await insertUser(tx, { email: input.email, name: input.name, role: input.role, passwordHash }, ctx.now());
          return created;
        });
      }),

    resetPassword: admin.input(z.object({ userId, password })).mutation(({ ctx, input }) => {
      const passwordHash = hashPassword(input.password);
      return writeTx(ctx.db, async (tx) => {
        const updated = await firstRow(tx.update(users).set({ passwordHash }).where(eq(users.id, input.userId)).returning({ id: users.id }));
        if (!updated) throw new TRPCError({ code: 'NOT_FOUND', message: `user ${input.userId} does not exist` });
        // Whoever knew the old password may hold a session: it ends now.
        await revokeSessions(tx, updated.id);
        return { userId: updated.id };
      });
    }),

    /** A new role takes effect at the user's next request (the context reads the role from the table). */
    setRole: admin.input(z.object({ userId, role: z.enum(ROLES, { message: `The role must be one of ${ROLES.join(', ')}.` }) })).mutation(({ ctx, input }) => {
      if (input.userId === ctx.user.id && input.role !== 'admin') {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'You cannot take the admin role from your own account.' });
      }
      return writeTx(ctx.db, async (tx) => {
        const updated = await firstRow(tx.update(users).set({ role: input.role }).where(eq(users.id, input.userId)).returning({ id: users.id, role: users.role }));
        if (!updated) throw new TRPCError({ code: 'NOT_FOUND', message: `User ${input.userId} does not exist.` });
        return { userId: updated.id, role: updated.role };
      });
    }),

    /**
     * Disabled users cannot sign in, and lose access at their next request. Either way every
     * existing session ends, so re-enabling an account does not revive the sessions it had.
     */
    setDisabled: admin.input(z.object({ userId, disabled: z.boolean() })).mutation(({ ctx, input }) => {
      if (input.userId === ctx.user.id && input.disabled) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'you cannot disable your own account' });
      }
      return writeTx(ctx.db, async (tx) => {
        const updated = await firstRow(tx
          .update(users)
          .set({ disabled: input.disabled })
          .where(eq(users.id, input.userId))
          .returning({ id: users.id, disabled: users.disabled }));
        if (!updated) throw new TRPCError({ code: 'NOT_FOUND', message: `user ${input.userId} does not exist` });
        await revokeSessions(tx, updated.id);
        return { userId: updated.id, disabled: updated.disabled };
      });
    }),
  }),
});

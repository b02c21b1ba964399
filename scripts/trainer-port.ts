/**
 * The label-queue port the trainer's simulated annotators use (trainer/service/
 * simulated-annotators.ts `LabelQueuePort`), built from the web server's procedures. It lives
 * here, at the composition root, because the trainer must not import the web server.
 *
 * The tRPC router's `label` procedures through `createCaller` (the page's path: zod input, role
 * middleware, the same queue functions). If the router cannot be loaded in this process (plain
 * Node/tsx cannot load next-auth's CJS credentials provider as server/auth.ts imports it), fall
 * back to the queue functions the procedures call, with a warning: same leases, overlap and
 * idempotent submit.
 */
import type { LabelQueueCaller, LabelQueuePort } from '../trainer/service/simulated-annotators';

export const serverLabelQueue: LabelQueuePort = {
  async connect(db, log) {
    try {
      // Lazy: only a service that simulates loads the web app's router (and next-auth with it).
      const { appRouter } = await import('../server/root');
      const { createContextInner } = await import('../server/trpc');
      return {
        via: 'tRPC label.next/label.submit',
        callerFor: (user) => {
          const session = { user: { id: user.id, role: user.role, email: user.email, name: user.name } };
          return appRouter.createCaller(createContextInner({ session, db })) as unknown as LabelQueueCaller;
        },
      };
    } catch (error) {
      log(`trainer simulation: the tRPC router did not load here (${(error as Error).message}); calling the queue functions directly`);
      const { leaseNextPair } = await import('../server/queue');
      const { submitLabel } = await import('../server/labeling');
      return {
        via: 'server/queue + server/labeling (tRPC router unavailable)',
        callerFor: (user) => ({
          label: {
            next: async ({ runId }) => ({ pair: await leaseNextPair(db, { userId: user.id, role: user.role, runId, now: Date.now() }) }),
            submit: async (input) => submitLabel(db, { id: user.id, role: user.role }, input, Date.now()),
          },
        }),
      };
    }
  },
};

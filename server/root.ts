import { createCallerFactory, createTRPCRouter } from './trpc';
import { labelRouter } from './routers/label';
import { runsRouter } from './routers/runs';
import { adminRouter } from './routers/admin';
import { qualityRouter } from './routers/quality';
import { inspectRouter } from './routers/inspect';

/** The API of the app's own pages: one router per noun. */
export const appRouter = createTRPCRouter({
  label: labelRouter,
  runs: runsRouter,
  admin: adminRouter,
  quality: qualityRouter,
  inspect: inspectRouter,
});

export type AppRouter = typeof appRouter;

/** Server-side caller (server components, tests): `createCaller(await createContext(...))`. */
export const createCaller = createCallerFactory(appRouter);

export { createContext, createContextInner, type Context } from './trpc';
export type { PairView, ClipView } from './queue';
export type { LabelStatus, SubmitLabelResult } from './labeling';

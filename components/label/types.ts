import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/root';

type Outputs = inferRouterOutputs<AppRouter>;
/** A leased pair as `label.next` returns it (inferred from the server, never hand-written). */
export type LeasedPair = NonNullable<Outputs['label']['next']['pair']>;
export type ClipView = LeasedPair['left'];
export type LabelStatus = Outputs['label']['status'];

'use client';

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { useState, type ReactNode } from 'react';
import type { AppRouter } from '@/server/root';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** Client errors with a tRPC code (4xx from the server) are answers, not outages: never retried. */
function isServerAnswer(error: unknown): boolean {
  return error instanceof TRPCClientError && typeof error.data?.code === 'string' && (error.data.httpStatus ?? 500) < 500;
}

function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        retry: (failures, error) => !isServerAnswer(error) && failures < 3,
      },
    },
  });
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  // One client per browser tab, created lazily so a re-render never drops the cache.
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      // Same origin; cookies carry the next-auth session.
      links: [httpBatchLink({ url: '/api/trpc' })],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}

import { TRPCClientError } from '@trpc/client';

/** Words for an error, for people: the server's message for its 4xx answers, else what happened. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const code: unknown = error.data?.code;
    if (code === 'UNAUTHORIZED') return 'Your session has ended. Please sign in again.';
    if (code === 'FORBIDDEN') return 'Your account is not allowed to do this.';
    if (typeof code === 'string') return error.message;
    return `Cannot reach the server (${error.message}). Retrying…`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** True when the error is a transport failure (offline, 5xx) worth retrying with the same request. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return true;
  const status: unknown = error.data?.httpStatus;
  const code: unknown = error.data?.code;
  if (typeof code !== 'string') return true; // no tRPC answer at all: network failure
  return typeof status === 'number' ? status >= 500 : code === 'INTERNAL_SERVER_ERROR';
}

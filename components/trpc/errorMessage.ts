import { TRPCClientError } from '@trpc/client';

interface FlatZodError {
  formErrors?: string[];
  fieldErrors?: Record<string, string[] | undefined>;
}

/** A message as a sentence: capitalised, ending in a full stop, the field named when it is not. */
function sentence(message: string, field?: string): string {
  const text = message.trim();
  const named = field && !text.toLowerCase().includes(field.toLowerCase()) ? `${field}: ${text}` : text;
  const capital = named.charAt(0).toUpperCase() + named.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * The input problems the server listed (zod, flattened by server/trpc.ts's error formatter) as
 * sentences, or null when the error carries none. Never the raw JSON dump of the issues.
 */
export function validationSentences(error: unknown): string | null {
  if (!(error instanceof TRPCClientError)) return null;
  const zodError = (error.data as { zodError?: FlatZodError | null } | undefined)?.zodError;
  if (!zodError) return null;
  const lines = [
    ...(zodError.formErrors ?? []).map((m) => sentence(m)),
    ...Object.entries(zodError.fieldErrors ?? {}).flatMap(([field, messages]) => (messages ?? []).map((m) => sentence(m, field))),
  ];
  return lines.length > 0 ? lines.join(' ') : null;
}

/** Words for an error, for people: the server's message for its 4xx answers, else what happened. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const code: unknown = error.data?.code;
    if (code === 'UNAUTHORIZED') return 'Your session has ended. Please sign in again.';
    if (code === 'FORBIDDEN') return sentence(error.message || 'Your account is not allowed to do this');
    const validation = validationSentences(error);
    if (validation) return validation;
    if (typeof code === 'string') {
      // A message that is JSON (a validation dump without the formatter's data) is no sentence.
      return error.message.trim().startsWith('[') || error.message.trim().startsWith('{') ? 'The request was not valid.' : sentence(error.message);
    }
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

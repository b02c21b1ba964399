import { describe, expect, it } from 'vitest';
import { TRPCClientError } from '@trpc/client';
import { errorMessage } from './errorMessage';

/** A client error as the fetch link builds it from a tRPC error answer. */
function serverError(code: string, httpStatus: number, message: string, zodError: unknown = null) {
  return TRPCClientError.from({ error: { code: -32600, message, data: { code, httpStatus, zodError } } } as never);
}

describe('errorMessage', () => {
  it('turns a validation answer into sentences naming the field, never the JSON dump', () => {
    const dump = JSON.stringify([{ code: 'too_small', minimum: 8, path: ['password'], message: 'The password must be at least 8 characters long.' }]);
    const e = serverError('BAD_REQUEST', 400, dump, { formErrors: [], fieldErrors: { password: ['The password must be at least 8 characters long.'], name: ['Too small: expected string to have >=1 characters'] } });
    const text = errorMessage(e);
    expect(text).toBe('The password must be at least 8 characters long. Name: Too small: expected string to have >=1 characters.');
    expect(text).not.toContain('[');
  });

  it('gives a 4xx message as a sentence and a bare JSON message as a plain refusal', () => {
    expect(errorMessage(serverError('NOT_FOUND', 404, 'run 7 does not exist'))).toBe('Run 7 does not exist.');
    expect(errorMessage(serverError('BAD_REQUEST', 400, '[{"code":"custom"}]'))).toBe('The request was not valid.');
    expect(errorMessage(serverError('UNAUTHORIZED', 401, 'sign in first'))).toBe('Your session has ended. Please sign in again.');
  });
});

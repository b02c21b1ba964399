import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { submitWithRetry } from './submitWithRetry';

const noSleep = async () => {};
const trpcError = (code: string, httpStatus: number) =>
  Object.assign(new TRPCClientError(code), { data: { code, httpStatus } });

describe('submitWithRetry', () => {
  it('retries network failures with the same call until it succeeds', async () => {
    let calls = 0;
    const result = await submitWithRetry(async () => {
      calls++;
      if (calls < 4) throw new TypeError('Failed to fetch');
      return 'saved';
    }, { sleep: noSleep });
    expect(result).toBe('saved');
    expect(calls).toBe(4);
  });

  it('retries a 5xx answer', async () => {
    let calls = 0;
    await submitWithRetry(async () => {
      if (++calls === 1) throw trpcError('INTERNAL_SERVER_ERROR', 500);
      return 1;
    }, { sleep: noSleep });
    expect(calls).toBe(2);
  });

  it('does not retry a 4xx answer and passes it on', async () => {
    let calls = 0;
    const attempt = submitWithRetry(async () => {
      calls++;
      throw trpcError('CONFLICT', 409);
    }, { sleep: noSleep });
    await expect(attempt).rejects.toThrow('CONFLICT');
    expect(calls).toBe(1);
  });

  it('waits longer after each failure, capped at the last delay', async () => {
    const waits: number[] = [];
    let calls = 0;
    await submitWithRetry(async () => {
      if (++calls <= 4) throw new TypeError('offline');
      return 0;
    }, { delaysMs: [10, 20, 40], sleep: async (ms) => { waits.push(ms); } });
    expect(waits).toEqual([10, 20, 40, 40]);
  });
});

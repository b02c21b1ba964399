import { afterEach, describe, expect, it } from 'vitest';
import { clientAddress } from './signInLimiter';
import { getServerEnv, resetServerEnvForTests } from './env';

const saved = process.env.TRUSTED_PROXY_HOPS;
afterEach(() => {
  if (saved === undefined) delete process.env.TRUSTED_PROXY_HOPS;
  else process.env.TRUSTED_PROXY_HOPS = saved;
  resetServerEnvForTests();
});

describe('clientAddress (the sign-in limiter\'s per-address key)', () => {
  it('behind one appending proxy takes the address the proxy saw, not what the client sent', () => {
    // The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the socket address it saw.
    const headers = { 'x-forwarded-for': '1.2.3.4, 203.0.113.7' };
    expect(clientAddress(headers, 1)).toBe('203.0.113.7');
    // Trusting no proxy reads the first entry: the client's own claim.
    expect(clientAddress(headers, 0)).toBe('1.2.3.4');
  });

  it('counts hops from the right through several proxies and several header lines', () => {
    // A load balancer appended the client (198.51.100.2), then nginx appended the balancer (10.0.0.5).
    const headers = new Headers();
    headers.append('x-forwarded-for', 'spoofed, 198.51.100.2');
    headers.append('x-forwarded-for', '10.0.0.5');
    expect(clientAddress(headers, 2)).toBe('198.51.100.2');
    expect(clientAddress({ 'x-forwarded-for': ['spoofed, 198.51.100.2', '10.0.0.5'] }, 2)).toBe('198.51.100.2');
  });

  it('a spoofed prefix cannot move the address behind trusted proxies', () => {
    const honest = clientAddress({ 'x-forwarded-for': '198.51.100.2' }, 1);
    const forged = clientAddress({ 'x-forwarded-for': 'a, b, c, 198.51.100.2' }, 1);
    expect(forged).toBe(honest);
  });

  it('with fewer entries than trusted hops takes the leftmost; with none, "unknown"; bounds the length', () => {
    expect(clientAddress({ 'x-forwarded-for': '198.51.100.2' }, 3)).toBe('198.51.100.2');
    expect(clientAddress({}, 1)).toBe('unknown');
    expect(clientAddress({ 'x-forwarded-for': ' , ' }, 0)).toBe('unknown');
    expect(clientAddress({ 'x-forwarded-for': 'x'.repeat(500) }, 1)).toHaveLength(64);
  });

  it('TRUSTED_PROXY_HOPS is read from the environment and a bad value names the variable', () => {
    process.env.TRUSTED_PROXY_HOPS = '2';
    expect(getServerEnv().trustedProxyHops).toBe(2);
    resetServerEnvForTests();
    delete process.env.TRUSTED_PROXY_HOPS;
    expect(getServerEnv().trustedProxyHops).toBe(0);
    for (const bad of ['-1', '1.5', 'two', '11']) {
      resetServerEnvForTests();
      process.env.TRUSTED_PROXY_HOPS = bad;
      expect(() => getServerEnv()).toThrow(/TRUSTED_PROXY_HOPS: TRUSTED_PROXY_HOPS must be a whole number from 0 to 10/);
    }
  });
});

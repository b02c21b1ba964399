import { afterEach, describe, expect, it, vi } from 'vitest';
import { decode, encode, type JWT } from 'next-auth/jwt';

// Counts key derivations: the point of this module is to derive once per secret, not per request.
const derivations = vi.hoisted(() => ({ count: 0 }));
vi.mock('@panva/hkdf', async (importOriginal) => {
  const original = await importOriginal<typeof import('@panva/hkdf')>();
  return {
    default: (...args: Parameters<typeof original.default>) => {
      derivations.count++;
      return original.default(...args);
    },
  };
});

const { decodeSessionToken, sessionTokenFromHeaders } = await import('./sessionToken');

const SECRET = 'a-test-secret-of-at-least-32-characters';
const claims: JWT = { id: 7, role: 'annotator', email: 'a@example.com', name: 'A', sessionVersion: 3 };
const withCookie = (cookie: string, extra: Record<string, string> = {}) => new Headers({ cookie, ...extra });

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('decodeSessionToken', () => {
  it('reads what next-auth encodes, exactly as next-auth decodes it', async () => {
    const token = await encode({ token: claims, secret: SECRET, maxAge: 3600 });
    const ours = await decodeSessionToken({ token, secret: SECRET });
    expect(ours).toEqual(await decode({ token, secret: SECRET }));
    expect(ours).toMatchObject(claims);
  });

  it('refuses what next-auth refuses: another secret, a changed byte, an expired token', async () => {
    const token = await encode({ token: claims, secret: SECRET, maxAge: 3600 });
    await expect(decodeSessionToken({ token, secret: `${SECRET}-other` })).rejects.toThrow();
    await expect(decode({ token, secret: `${SECRET}-other` })).rejects.toThrow();
    const parts = token.split('.');
    const ciphertext = parts[3]!;
    parts[3] = (ciphertext[0] === 'A' ? 'B' : 'A') + ciphertext.slice(1);
    await expect(decodeSessionToken({ token: parts.join('.'), secret: SECRET })).rejects.toThrow();
    // Expired 60 s ago: past next-auth's 15 s clock tolerance for both.
    const expired = await encode({ token: claims, secret: SECRET, maxAge: -60 });
    await expect(decodeSessionToken({ token: expired, secret: SECRET })).rejects.toThrow(/exp/);
    await expect(decode({ token: expired, secret: SECRET })).rejects.toThrow(/exp/);
    // Expired 5 s ago: inside the tolerance for both.
    const justExpired = await encode({ token: claims, secret: SECRET, maxAge: -5 });
    expect(await decodeSessionToken({ token: justExpired, secret: SECRET })).toMatchObject(claims);
    expect(await decode({ token: justExpired, secret: SECRET })).toMatchObject(claims);
  });

  it('derives the key once per secret, not once per token', async () => {
    const tokens = await Promise.all([1, 2, 3].map((id) => encode({ token: { ...claims, id }, secret: SECRET })));
    const otherSecret = `${SECRET}-rotated`;
    const rotated = await encode({ token: claims, secret: otherSecret });
    // A fresh secret first, so the count starts from an empty cache.
    await decodeSessionToken({ token: rotated, secret: otherSecret });
    const before = derivations.count;
    for (const token of tokens) expect((await decodeSessionToken({ token, secret: SECRET }))?.id).toBeTypeOf('number');
    for (const token of tokens) await decodeSessionToken({ token, secret: SECRET });
    expect(derivations.count - before).toBe(1);
    expect(await decodeSessionToken({ token: rotated, secret: otherSecret })).toMatchObject({ id: 7 });
    expect(derivations.count - before).toBe(2);
  });
});

describe('sessionTokenFromHeaders', () => {
  it('finds the session cookie among others, and answers null without one or with a bad one', async () => {
    const token = await encode({ token: claims, secret: SECRET });
    const headers = withCookie(`theme=dark; next-auth.csrf-token=abc; next-auth.session-token=${token}; other=1`);
    expect(await sessionTokenFromHeaders(headers, SECRET)).toMatchObject(claims);
    expect(await sessionTokenFromHeaders(new Headers(), SECRET)).toBeNull();
    expect(await sessionTokenFromHeaders(withCookie('theme=dark'), SECRET)).toBeNull();
    expect(await sessionTokenFromHeaders(withCookie('next-auth.session-token=not-a-jwt'), SECRET)).toBeNull();
    expect(await sessionTokenFromHeaders(withCookie(`next-auth.session-token=${token}`), `${SECRET}-other`)).toBeNull();
  });

  it('joins a token next-auth split over chunked cookies', async () => {
    const token = await encode({ token: claims, secret: SECRET });
    const cut = Math.floor(token.length / 2);
    const headers = withCookie(`next-auth.session-token.1=${token.slice(cut)}; next-auth.session-token.0=${token.slice(0, cut)}`);
    expect(await sessionTokenFromHeaders(headers, SECRET)).toMatchObject(claims);
  });

  it('reads only the __Secure- cookie when the site is served over https', async () => {
    const token = await encode({ token: claims, secret: SECRET });
    vi.stubEnv('NEXTAUTH_URL', 'https://label.example');
    expect(await sessionTokenFromHeaders(withCookie(`next-auth.session-token=${token}`), SECRET)).toBeNull();
    expect(await sessionTokenFromHeaders(withCookie(`__Secure-next-auth.session-token=${token}`), SECRET)).toMatchObject(claims);
  });

  it('ignores an Authorization: Bearer token (only the cookie is a session)', async () => {
    const token = await encode({ token: claims, secret: SECRET });
    expect(await sessionTokenFromHeaders(new Headers({ authorization: `Bearer ${token}` }), SECRET)).toBeNull();
    expect(await sessionTokenFromHeaders(withCookie('theme=dark', { authorization: `Bearer ${token}` }), SECRET)).toBeNull();
  });
});

import hkdf from '@panva/hkdf';
import { parse as parseCookies } from 'cookie';
import { jwtDecrypt } from 'jose';
import { getToken, type JWT, type JWTDecodeParams } from 'next-auth/jwt';

/**
 * Reads the next-auth session JWT of a request on the hot path (every tRPC call), without going
 * through next-auth's whole session endpoint: `getServerSession` runs the "session" action per
 * call (derive the key, decrypt, the jwt callback's users query, derive again, re-encrypt a
 * refreshed token that a route handler then throws away). Here next-auth's own `getToken` finds
 * the cookie (its name, `__Secure-` prefix on https, chunked cookies) and decodes it with
 * `decodeSessionToken`: next-auth's `decode` (next-auth/jwt) with the HKDF-derived key computed
 * once per secret instead of once per call. What the token claims is then checked against the
 * users table by the caller (server/sessionUser.ts), exactly as before.
 */

/** next-auth v4's key derivation for session tokens (next-auth/jwt `getDerivedEncryptionKey`, salt ""). */
function deriveEncryptionKey(secret: string): Promise<Uint8Array> {
  return hkdf('sha256', secret, '', 'NextAuth.js Generated Encryption Key', 32);
}

let cachedKey: { secret: string; key: Promise<Uint8Array> } | null = null;

function encryptionKey(secret: string): Promise<Uint8Array> {
  if (cachedKey?.secret === secret) return cachedKey.key;
  const key = deriveEncryptionKey(secret);
  cachedKey = { secret, key };
  // A derivation that failed is not kept: the next request tries again.
  key.catch(() => {
    if (cachedKey?.key === key) cachedKey = null;
  });
  return key;
}

/**
 * next-auth's `decode` with a cached key: the same algorithm (dir + A256GCM, as `encode` writes),
 * the same 15 s clock tolerance on `exp`; throws on a token that does not decrypt or has expired.
 */
export async function decodeSessionToken({ token, secret }: JWTDecodeParams): Promise<JWT | null> {
  if (!token) return null;
  const { payload } = await jwtDecrypt(token, await encryptionKey(String(secret)), { clockTolerance: 15 });
  return payload as JWT;
}

/**
 * The session token's claims from a request's Cookie header, or null (no cookie, a token that
 * does not decode, an expired one). Only the cookie counts: an `Authorization: Bearer` header is
 * not read (next-auth's session endpoint does not read it either).
 */
export async function sessionTokenFromHeaders(headers: Headers, secret: string): Promise<JWT | null> {
  const cookieHeader = headers.get('cookie');
  if (!cookieHeader) return null;
  const cookies = parseCookies(cookieHeader);
  // getToken's request type is next's; it reads only `cookies` and `headers` from it.
  const req = { cookies, headers: {} } as unknown as Parameters<typeof getToken>[0]['req'];
  return getToken({ req, secret, decode: decodeSessionToken });
}

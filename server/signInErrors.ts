/**
 * The error code next-auth hands the sign-in form when the limiter refused (server/signInLimiter.ts
 * throws it from the credentials check): `RateLimited:SECONDS`. Pure, so the form can import it.
 */
export const RATE_LIMITED_ERROR = 'RateLimited';

/** The seconds to wait in a `RateLimited:N` error code, or null for any other error. */
export function parseRateLimitedError(error: string | null | undefined): number | null {
  const match = /^RateLimited:(\d{1,7})$/.exec(error ?? '');
  return match ? Number(match[1]) : null;
}

/** What next-auth's `signIn(..., { redirect: false })` resolves to (the part the form reads). */
export interface SignInResult {
  error: string | null | undefined;
  status: number;
}

/** The sign-in form's message for a failed attempt: wrong credentials, too many attempts, or other. */
export function signInErrorMessage(res: SignInResult | null): string {
  const waitSeconds = parseRateLimitedError(res?.error);
  if (res?.status === 429 || waitSeconds !== null) {
    const minutes = Math.max(1, Math.ceil((waitSeconds ?? 60) / 60));
    return `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
  }
  if (res?.error === 'CredentialsSignin' || res?.status === 401) return 'Wrong email or password (or the account is disabled).';
  return `Sign-in failed: ${res?.error ?? 'no answer from the server'}.`;
}

'use client';

import { signIn } from 'next-auth/react';
import { useState, type FormEvent } from 'react';
import { safeCallbackPath } from '@/server/access';
import { signInErrorMessage } from '@/server/signInErrors';

export function SignInForm({ callbackPath }: { callbackPath: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const res = await signIn('credentials', {
        email: String(form.get('email') ?? ''),
        password: String(form.get('password') ?? ''),
        redirect: false,
      });
      if (!res || res.error) {
        setError(signInErrorMessage(res ?? null));
        return;
      }
      // A full load, so the server-rendered navigation shows this user's role straight away.
      // Sanitised again here: the prop came from the server, but this is where the browser goes.
      window.location.assign(safeCallbackPath(callbackPath));
    } catch (err) {
      setError(`Cannot reach the server: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card signin" onSubmit={onSubmit}>
      <h1>Sign in</h1>
      <label>
        Email
        <input name="email" type="email" autoComplete="username" required autoFocus />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      {error && <p className="form-error" role="alert">{error}</p>}
      <button type="submit" className="primary" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  );
}

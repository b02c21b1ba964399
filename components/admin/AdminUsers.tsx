'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/components/trpc/TRPCReactProvider';
import { errorMessage } from '@/components/trpc/errorMessage';

const ROLE_OPTIONS = ['annotator', 'researcher', 'admin'] as const;
type RoleOption = (typeof ROLE_OPTIONS)[number];
/** The server's limits (db/users.ts), said before anyone types. */
const PASSWORD_RULE = 'At least 8 characters, at most 72 bytes.';

/** The admin page: the user list, a form to create a user with a role, and password resets. */
export function AdminUsers({ myId }: { myId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.admin.users.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries(trpc.admin.users.list.pathFilter());
  const [notice, setNotice] = useState<string | null>(null);

  const create = useMutation(trpc.admin.users.create.mutationOptions({
    onSuccess: (u) => { setNotice(`Created ${u.email} (${u.role}).`); void refresh(); },
  }));

  function onCreate(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const formEl = e.currentTarget;
    const f = new FormData(formEl);
    const role = String(f.get('role'));
    create.mutate(
      {
        email: String(f.get('email') ?? ''),
        name: String(f.get('name') ?? ''),
        role: (ROLE_OPTIONS as readonly string[]).includes(role) ? (role as (typeof ROLE_OPTIONS)[number]) : 'annotator',
        password: String(f.get('password') ?? ''),
      },
      { onSuccess: () => formEl.reset() },
    );
  }

  return (
    <div className="admin">
      <section className="card">
        <h1>Create a user</h1>
        <form className="stack" onSubmit={onCreate} aria-label="Create a user">
          <label>Email <input name="email" type="email" required /></label>
          <label>Name <span className="muted">(at most 100 characters)</span> <input name="name" required maxLength={100} /></label>
          <label>
            Role
            <select name="role" defaultValue="annotator">
              {ROLE_OPTIONS.map((r) => <option key={r} value={r}>{r}</option>)}
            </select>
          </label>
          <label>Password <span className="muted" id="password-rule">({PASSWORD_RULE})</span> <input name="password" type="password" required autoComplete="new-password" aria-describedby="password-rule" /></label>
          {create.isError && <p className="form-error" role="alert">{errorMessage(create.error)}</p>}
          <button type="submit" className="primary" disabled={create.isPending}>{create.isPending ? 'Creating…' : 'Create user'}</button>
        </form>
        {notice && <p className="notice" role="status">{notice}</p>}
      </section>

      <section className="card wide">
        <h1>Users</h1>
        {users.isPending && <p>Loading users…</p>}
        {users.isError && <p className="form-error" role="alert">{errorMessage(users.error)}</p>}
        {users.data && (
          <table>
            <thead><tr><th>Email</th><th>Name</th><th>Role</th><th>Pseudonym</th><th>State</th><th>Reset password ({PASSWORD_RULE.toLowerCase().replace('.', '')})</th></tr></thead>
            <tbody>
              {users.data.map((u) => (
                <tr key={u.id} data-testid={`user-row-${u.email}`}>
                  <td>{u.email}{u.id === myId ? ' (you)' : ''}</td><td>{u.name}</td>
                  <td><RoleControl userId={u.id} email={u.email} role={u.role} self={u.id === myId} onDone={(msg) => { setNotice(msg); void refresh(); }} /></td>
                  <td>{u.pseudonym}</td>
                  <td><StateControl userId={u.id} email={u.email} disabled={u.disabled} self={u.id === myId} onDone={(msg) => { setNotice(msg); void refresh(); }} /></td>
                  <td><ResetPassword userId={u.id} email={u.email} onDone={setNotice} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function RoleControl({ userId, email, role, self, onDone }: { userId: number; email: string; role: RoleOption; self: boolean; onDone: (msg: string) => void }) {
  const trpc = useTRPC();
  const setRole = useMutation(trpc.admin.users.setRole.mutationOptions());
  return (
    <span className="inline">
      <select
        aria-label={`Role of ${email}`}
        value={role}
        disabled={self || setRole.isPending}
        title={self ? 'You cannot change your own role' : undefined}
        onChange={(e) => setRole.mutate({ userId, role: e.target.value as RoleOption }, { onSuccess: (r) => onDone(`${email} is now ${r.role}.`) })}
      >
        {ROLE_OPTIONS.map((r) => <option key={r} value={r}>{r}</option>)}
      </select>
      {setRole.isError && <span className="form-error" role="alert">{errorMessage(setRole.error)}</span>}
    </span>
  );
}

function StateControl({ userId, email, disabled, self, onDone }: { userId: number; email: string; disabled: boolean; self: boolean; onDone: (msg: string) => void }) {
  const trpc = useTRPC();
  const setDisabled = useMutation(trpc.admin.users.setDisabled.mutationOptions());
  return (
    <span className="inline">
      <span data-testid={`state-${email}`}>{disabled ? 'disabled' : 'active'}</span>{' '}
      {!self && (
        <button
          type="button"
          disabled={setDisabled.isPending}
          onClick={() => setDisabled.mutate({ userId, disabled: !disabled }, { onSuccess: (r) => onDone(`${email} is ${r.disabled ? 'disabled: their session stops working at once' : 'enabled again'}.`) })}
        >
          {disabled ? 'Enable' : 'Disable'}
        </button>
      )}
      {setDisabled.isError && <span className="form-error" role="alert">{errorMessage(setDisabled.error)}</span>}
    </span>
  );
}

function ResetPassword({ userId, email, onDone }: { userId: number; email: string; onDone: (msg: string) => void }) {
  const trpc = useTRPC();
  const reset = useMutation(trpc.admin.users.resetPassword.mutationOptions());
  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const formEl = e.currentTarget;
    const password = String(new FormData(formEl).get('password') ?? '');
    reset.mutate({ userId, password }, { onSuccess: () => { formEl.reset(); onDone(`Password of ${email} reset.`); } });
  }
  return (
    <form className="inline" onSubmit={onSubmit} aria-label={`Reset password of ${email}`}>
      <input name="password" type="password" placeholder="new password" required autoComplete="new-password" aria-label={`New password for ${email}`} />
      <button type="submit" disabled={reset.isPending}>Reset</button>
      {reset.isError && <span className="form-error" role="alert">{errorMessage(reset.error)}</span>}
    </form>
  );
}

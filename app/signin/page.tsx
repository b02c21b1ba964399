import { redirect } from 'next/navigation';
import { safeCallbackPath } from '@/server/access';
import { currentUser } from '@/components/auth/session';
import { SignInForm } from '@/components/auth/SignInForm';

export const metadata = { title: 'Sign in · SoBiRL Label' };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const raw = params.callbackUrl;
  const callbackPath = safeCallbackPath(Array.isArray(raw) ? raw[0] : raw);
  if (await currentUser()) redirect(callbackPath);
  return <SignInForm callbackPath={callbackPath} />;
}

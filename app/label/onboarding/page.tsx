import { notFound } from 'next/navigation';
import { requireArea } from '@/components/auth/session';
import { Onboarding } from '@/components/label/Onboarding';

export const metadata = { title: 'Instructions · SoBiRL Label' };

export default async function OnboardingPage({ searchParams }: { searchParams: Promise<{ run?: string }> }) {
  await requireArea('/label');
  const { run } = await searchParams;
  if (!run || !/^\d{1,15}$/.test(run)) notFound();
  return <Onboarding runId={Number(run)} />;
}

import { notFound } from 'next/navigation';
import { requireArea } from '@/components/auth/session';
import { RunDetail } from '@/components/run-detail/RunDetail';

export const metadata = { title: 'Run · SoBiRL Label' };

/** One run's live page, for researchers and admins (requireArea answers 403 to annotators, as the proxy does). */
export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  await requireArea('/runs');
  const { id } = await params;
  const runId = Number(id);
  if (!/^\d+$/.test(id) || !Number.isSafeInteger(runId) || runId <= 0) notFound();
  return <RunDetail runId={runId} />;
}

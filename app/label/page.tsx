import { requireArea } from '@/components/auth/session';
import { LabelWorkspace } from '@/components/label/LabelWorkspace';

export const metadata = { title: 'Label · SoBiRL Label' };

export default async function LabelPage({ searchParams }: { searchParams: Promise<{ run?: string }> }) {
  await requireArea('/label');
  const { run } = await searchParams;
  const runId = run && /^\d+$/.test(run) ? Number(run) : undefined;
  return <LabelWorkspace runId={runId} />;
}

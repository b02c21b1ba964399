import { requireArea } from '@/components/auth/session';
import { AnnotatorHome } from '@/components/label/AnnotatorHome';
import { LabelWorkspace } from '@/components/label/LabelWorkspace';

export const metadata = { title: 'Label · SoBiRL Label' };

/** `/label`: your runs; `/label?run=ID`: label that run (one run at a time). */
export default async function LabelPage({ searchParams }: { searchParams: Promise<{ run?: string }> }) {
  await requireArea('/label');
  const { run } = await searchParams;
  const runId = run && /^\d{1,15}$/.test(run) ? Number(run) : undefined;
  return runId === undefined ? <AnnotatorHome /> : <LabelWorkspace runId={runId} />;
}

import { requireArea } from '@/components/auth/session';
import { RunsTable } from '@/components/runs/RunsTable';

export const metadata = { title: 'Runs · SoBiRL Label' };

export default async function RunsPage() {
  await requireArea('/runs');
  return <RunsTable />;
}

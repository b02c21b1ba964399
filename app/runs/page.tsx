import { requireArea } from '@/components/auth/session';
import { NewRunForm } from '@/components/runs/NewRunForm';
import { RunsTable } from '@/components/runs/RunsTable';

export const metadata = { title: 'Runs · SoBiRL Label' };

/** Researchers and admins only (requireArea answers 403 to annotators, as the proxy does). */
export default async function RunsPage() {
  await requireArea('/runs');
  return (
    <>
      <RunsTable />
      <NewRunForm />
    </>
  );
}

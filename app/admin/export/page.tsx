import { requireArea } from '@/components/auth/session';
import { ExportForm } from '@/components/export/ExportForm';

export const metadata = { title: 'Export · Admin · SoBiRL Label' };

export default async function AdminExportPage() {
  await requireArea('/admin');
  return <ExportForm />;
}

import { requireArea } from '@/components/auth/session';
import { LabelHistory } from '@/components/label/LabelHistory';

export const metadata = { title: 'My labels · SoBiRL Label' };

export default async function HistoryPage() {
  await requireArea('/label');
  return <LabelHistory />;
}

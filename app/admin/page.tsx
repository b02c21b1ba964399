import Link from 'next/link';
import { requireArea } from '@/components/auth/session';
import { AdminUsers } from '@/components/admin/AdminUsers';

export const metadata = { title: 'Admin · SoBiRL Label' };

export default async function AdminPage() {
  const me = await requireArea('/admin');
  return (
    <>
      <p><Link href="/admin/export">Export the labeled dataset</Link></p>
      <AdminUsers myId={me.id} />
    </>
  );
}

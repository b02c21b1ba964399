import { redirect } from 'next/navigation';
import { currentUser } from '@/components/auth/session';

export default async function Home() {
  redirect((await currentUser()) ? '/label' : '/signin');
}

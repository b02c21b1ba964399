import Link from 'next/link';
import { currentUser } from '@/components/auth/session';

/** The refusal page (HTTP 403) for a signed-in user whose role may not open a page. */
export default async function Forbidden() {
  const user = await currentUser();
  return (
    <div className="card refusal" data-testid="forbidden">
      <h1>Not allowed</h1>
      <p>
        {user ? <>Your account ({user.email}) has the role <strong>{user.role}</strong>, which cannot open this page.</> : 'You cannot open this page.'}
      </p>
      <p>Ask an admin if you need access. <Link href="/label">Back to labeling</Link></p>
    </div>
  );
}

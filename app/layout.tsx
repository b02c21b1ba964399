import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { navLinksFor } from '@/server/access';
import { currentUser } from '@/components/auth/session';
import { SignOutButton } from '@/components/auth/SignOutButton';
import { TRPCReactProvider } from '@/components/trpc/TRPCReactProvider';
import './globals.css';

export const metadata: Metadata = {
  title: 'SoBiRL Label',
  description: 'Compare two trajectory clips and say which is better.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <Link href={user ? '/label' : '/signin'} className="brand">SoBiRL Label</Link>
          {user && (
            <nav aria-label="Main">
              {navLinksFor(user.role).map((l) => (
                <Link key={l.path} href={l.path}>{l.title}</Link>
              ))}
            </nav>
          )}
          <div className="topbar-user">
            {user ? (
              <>
                <span data-testid="whoami">{user.name} <span className="role">({user.role})</span></span>
                <SignOutButton />
              </>
            ) : (
              <Link href="/signin">Sign in</Link>
            )}
          </div>
        </header>
        <TRPCReactProvider>
          <main>{children}</main>
        </TRPCReactProvider>
      </body>
    </html>
  );
}

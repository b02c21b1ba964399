import NextAuth from 'next-auth';
import { authOptions } from '@/server/auth';

// next-auth v4's App Router handler: one function serves both methods.
const handler = NextAuth(authOptions);

export { handler as GET, handler as POST };

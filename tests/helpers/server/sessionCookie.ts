import { encode, type JWT } from 'next-auth/jwt';
import { getServerEnv } from '@/server/env';

/** Request headers carrying `token` as next-auth's session cookie, encrypted with the server's secret (what a browser sends after sign-in). */
export async function headersWithSession(token: JWT): Promise<Headers> {
  const jwt = await encode({ token, secret: getServerEnv().nextAuthSecret });
  return new Headers({ cookie: `next-auth.session-token=${jwt}` });
}

import { authOptions } from '@/server/auth';
import { authRouteHandlers } from '@/server/http/authRoute';

// next-auth v4's App Router handler, with the body limit and the sign-in limiter's 429.
export const { GET, POST } = authRouteHandlers(authOptions);

import { forbidden } from 'next/navigation';

/** The proxy rewrites refused requests here; forbidden() renders app/forbidden.tsx with HTTP 403. */
export default function ForbiddenRoute() {
  forbidden();
}

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native module: loaded by Node at run time, never bundled.
  serverExternalPackages: ['better-sqlite3'],
  reactStrictMode: true,
  poweredByHeader: false,
  // `next build` would type-check the WHOLE project (trainer tests included), coupling the web
  // build to unrelated files; types are checked once, project-wide, by `npm run typecheck`.
  typescript: { ignoreBuildErrors: true },
  // `forbidden()` in pages: a wrong role gets app/forbidden.tsx with HTTP 403, not a redirect.
  experimental: { authInterrupts: true },
  // No tfjs here on purpose: the web app draws clips with trainer/envs (pure TS) only; the
  // trainer and its tfjs run in their own process. Nothing in app/ or components/ may import
  // trainer/models or trainer/algorithms.
};

export default nextConfig;

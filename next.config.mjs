/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native module: loaded by Node at run time, never bundled.
  serverExternalPackages: ['better-sqlite3'],
  reactStrictMode: true,
  poweredByHeader: false,
  // `forbidden()` in pages: a wrong role gets app/forbidden.tsx with HTTP 403, not a redirect.
  experimental: { authInterrupts: true },
  // No tfjs here on purpose: the web app draws clips with trainer/envs (pure TS) only; the
  // trainer and its tfjs run in their own process. eslint.config.mjs enforces it (layering rules).
};

export default nextConfig;

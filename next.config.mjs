/**
 * Security headers, set here ONCE for every response: pages, route handlers, static files, the
 * proxy's redirects and refusals, and error pages (tests/e2e/security.spec.ts checks them over HTTP).
 *
 * The CSP allows inline scripts: Next's App Router streams its page data in inline <script> tags,
 * and nonces would make every page dynamic and uncacheable; scripts still load only from this
 * origin and nothing may frame, post to or connect to another one. 'unsafe-eval' only in
 * development (React's dev tools and fast refresh need it). Inline styles: React style props
 * and recharts.
 */
const isDev = process.env.NODE_ENV === 'development';
const contentSecurityPolicy = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${isDev ? " 'unsafe-eval'" : ''}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS = [
  { key: 'Content-Security-Policy', value: contentSecurityPolicy },
  // frame-ancestors for current browsers, X-Frame-Options for old ones: the labeling page cannot be framed.
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native module: loaded by Node at run time, never bundled.
  serverExternalPackages: ['better-sqlite3'],
  reactStrictMode: true,
  poweredByHeader: false,
  // No gzip in the Node process: compressing every tRPC answer was ~5% of the web server's CPU
  // per request under load (npm run bench:load -- --cpu-prof). Served over https, the app sits
  // behind a TLS-terminating reverse proxy anyway (`next start` has no TLS), and that proxy
  // compresses (docs/operations.md, "Behind a reverse proxy").
  compress: false,
  experimental: {
    // `forbidden()` in pages: a wrong role gets app/forbidden.tsx with HTTP 403, not a redirect.
    authInterrupts: true,
    // Next copies a request body for the proxy (proxy.ts) up to this size and cuts it there. Our
    // handlers refuse bodies over 64 KiB (server/http/bodyLimit.ts) while reading; 1 MiB keeps
    // Next's copy bounded (its default is 10 MiB) and well above our limit, so a cut body still
    // reads as too large and gets its 413.
    proxyClientMaxBodySize: 1024 * 1024,
  },
  async headers() {
    return [{ source: '/:path*', headers: SECURITY_HEADERS }];
  },
  // No tfjs here on purpose: the web app draws clips with trainer/envs (pure TS) only; the
  // trainer and its tfjs run in their own process. eslint.config.mjs enforces it (layering rules).
};

export default nextConfig;

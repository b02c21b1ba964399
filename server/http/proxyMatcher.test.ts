import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { config } from '@/proxy';

// Next's own compiler for a proxy matcher (what `next build` writes into functions-config-manifest.json); not in its public types.
const { getMiddlewareMatchers } = createRequire(import.meta.url)('next/dist/build/analysis/get-page-static-info') as {
  getMiddlewareMatchers: (matcher: string[], nextConfig: object) => { regexp: string }[];
};
const matchers = getMiddlewareMatchers(config.matcher, {}).map((m) => new RegExp(m.regexp));
const runsProxy = (path: string) => matchers.some((re) => re.test(path));

describe('the proxy matcher', () => {
  it('skips well-formed tRPC calls and static build files', () => {
    for (const path of ['/api/trpc/label.next', '/api/trpc/label.submit', '/api/trpc/label.next,label.status', '/api/trpc/runs.list', '/_next/static/chunks/a1.js']) {
      expect(runsProxy(path), path).toBe(false);
    }
  });

  it('runs on every other path: pages, other routes, and any tRPC path it must guard', () => {
    for (const path of [
      '/', '/label', '/runs/3', '/admin', '/signin', '/api/auth/session', '/api/auth/callback/credentials', '/api/export', '/api/checkpoints/1',
      // malformed or unusual tRPC paths still get the percent-encoding guard
      '/api/trpc/%E0%A4%A', '/api/trpc/label.next%00', '/api/trpc/label.next/extra', '/api/trpc/', '/api/trpc',
    ]) {
      expect(runsProxy(path), path).toBe(true);
    }
  });
});

import { defineConfig } from 'vitest/config';
import path from 'node:path';

export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname) } },
  test: {
    include: ['trainer/**/*.test.ts', 'tests/**/*.test.ts', 'server/**/*.test.ts', 'db/**/*.test.ts', 'components/**/*.test.ts', 'scripts/**/*.test.ts'],
    // PostgreSQL-only suites run in vitest.postgres.config.ts (npm run test:postgres).
    exclude: ['**/node_modules/**', '**/*.postgres.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: numerical tests are CPU bound, more workers only thrash.
    pool: 'forks',
    maxWorkers: 2,
  },
});

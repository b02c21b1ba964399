// @ts-check
/**
 * ESLint for the whole repository (run by `npm test` through scripts/test-all.sh, and alone by
 * `npm run lint`): the recommended rules of ESLint and typescript-eslint, plus the layering of the
 * code as import rules.
 *
 * Layers, each importing only the ones below it (tests and scripts/ are exempt, see below):
 *
 *   app/ -> components/ -> server/ -> db/
 *   trainer/ -> db/
 *   (server/ may also read trainer/tabular, pure maths; db/ may read trainer/contracts and core)
 *   trainer/envs/, trainer/contracts/, trainer/core/  (pure TypeScript, the bottom; importable by
 *                                                      all, importing only each other)
 *
 * tfjs and MuJoCo (mujoco-js, an 11 MB wasm module) live in trainer/ (outside the bottom) and
 * scripts/ only. Because every production file outside those two is forbidden both to import
 * them and to import trainer/ outside the bottom (or scripts/, or tests/), nothing the web app
 * can reach loads them: the per-file rules close over the whole import graph, so no separate walk
 * of the graph is needed. (The MuJoCo envs in trainer/envs reach the simulator through a slot
 * that trainer/mujoco/load.ts fills, so the browser can import them to draw clips.)
 *
 * scripts/ is the composition root (it wires the web server, the trainer and the database
 * together) and test files are integration code: both may import any layer. Test helpers live in
 * tests/helpers/ and no production file may import them.
 */
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/** Files that are not production code: tests, test helpers, Playwright specs. */
const NOT_PRODUCTION = ['**/*.test.ts', '**/*.test.tsx', 'tests/**'];

const BOTTOM = ['./envs', './contracts', './core'];

/** Where mujoco-js may not be imported: everything but trainer/ outside the bottom, and scripts/. */
const NO_MUJOCO = ['./!(trainer|scripts|tests)/**/*', './*.ts', './trainer/envs', './trainer/contracts', './trainer/core'];

const noTfjs = {
  patterns: [{
    group: ['@tensorflow/*'],
    message: 'tfjs runs in the trainer process only (trainer/ outside envs/contracts/core, and scripts/): the web app and the database layer must stay free of it.',
  }],
};

/**
 * The async data-access layer (db/client.ts `Db`) is typed as drizzle's async SQLite database, so
 * the SQLite builders' synchronous `.all() / .get() / .run()`, `db.all(sql)` / `db.run(sql)` and
 * `db.transaction(...)` still TYPE-CHECK, but PostgreSQL's builders have none of them (they throw
 * "is not a function" on PostgreSQL only). Awaiting the builder, db/dialect.ts (`firstRow`,
 * `queryRows`, `execute`) and db/transactions.ts (`writeTx`) are the portable forms. Only the
 * SQLite implementation itself (SQLITE_IMPLEMENTATION) and code on raw better-sqlite3 handles
 * (`sqlite.prepare(...).get()`, Playwright specs reading the file) use the synchronous API.
 */
const SYNC_QUERY_MESSAGE = 'A synchronous SQLite query call: it type-checks on the async Db but crashes on PostgreSQL. Await the builder (db/dialect.ts firstRow for .get(), returnedRow for .returning().get(); queryRows / execute for raw SQL; writeTx for transactions).';
const SQLITE_IMPLEMENTATION = ['db/client.ts', 'db/dialect.ts', 'db/transactions.ts', 'db/statementCache.ts', 'db/statementCache.test.ts', 'db/client.test.ts', 'tests/e2e/**'];
const noSyncQueries = [
  {
    // builder.all() / .get() / .run() with no arguments; not this.run() (a method of the class),
    // and not a raw better-sqlite3 statement (sqlite.prepare(...).get()).
    selector: "CallExpression[arguments.length=0] > MemberExpression.callee[property.name=/^(all|get|run)$/]:not([object.type='ThisExpression']):not([object.callee.property.name='prepare'])",
    message: SYNC_QUERY_MESSAGE,
  },
  {
    // db.all(sql`...`) / tx.run(sql`...`) / this.db.get(...) and db.transaction(fn) on a drizzle handle.
    selector: "CallExpression > MemberExpression.callee[property.name=/^(all|get|run|values|transaction)$/]:matches([object.name=/^(db|tx)$/], [object.property.name=/^(db|tx)$/])",
    message: SYNC_QUERY_MESSAGE,
  },
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.next/**', 'data/**', 'test-results/**', 'playwright-report/**', '.tmp/**', 'next-env.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `const { secret: _secret, ...rest } = row` is how the code drops a field, and a leading
      // underscore marks a parameter an interface requires but this implementation does not read.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },

  // ---- layering ---------------------------------------------------------------------------
  {
    files: ['**/*.ts', '**/*.tsx'],
    ignores: NOT_PRODUCTION,
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', {
        basePath: import.meta.dirname,
        zones: [
          {
            target: './!(trainer|scripts|tests)/**/*',
            from: ['./scripts', './tests'],
            message: 'scripts/ (the composition root) and tests/ sit above every layer: nothing in production imports them.',
          },
          {
            target: ['./trainer/**/*', './*.ts'],
            from: ['./scripts', './tests'],
            message: 'scripts/ (the composition root) and tests/ sit above every layer: nothing in production imports them.',
          },
          {
            target: './scripts',
            from: './tests',
            message: 'Test helpers (tests/helpers/) are for tests only: no production file imports them.',
          },
          {
            target: './!(trainer|scripts|tests|server)/**/*',
            from: './trainer',
            except: BOTTOM,
            message: 'Outside the trainer only trainer/envs, trainer/contracts and trainer/core may be imported (pure TypeScript, no tfjs); the rest of trainer/ runs in its own process.',
          },
          {
            // The web server also evaluates tabular checkpoints (soft value iteration for the run
            // page's heat maps): trainer/tabular is pure TypeScript maths with no tfjs.
            target: './server',
            from: './trainer',
            except: [...BOTTOM, './tabular'],
            message: 'Outside the trainer only trainer/envs, trainer/contracts and trainer/core may be imported (pure TypeScript, no tfjs); the rest of trainer/ runs in its own process.',
          },
          {
            target: './*.ts',
            from: './trainer',
            except: BOTTOM,
            message: 'Outside the trainer only trainer/envs, trainer/contracts and trainer/core may be imported (pure TypeScript, no tfjs); the rest of trainer/ runs in its own process.',
          },
          {
            target: './db',
            from: ['./server', './components', './app'],
            message: 'db/ is the bottom layer of the web side: it imports nothing of trainer/, server/, components/ or app/.',
          },
          {
            target: './db',
            from: './trainer',
            except: ['./contracts', './core'],
            message: 'db/ sits above the shared contracts only (trainer/contracts, trainer/core): the rest of trainer/ is the other process.',
          },
          {
            target: './server',
            from: ['./components', './app'],
            message: 'server/ sits below components/ and app/ (app -> components -> server -> db).',
          },
          {
            target: './components',
            from: './app',
            message: 'components/ sits below app/ (app -> components -> server -> db).',
          },
          {
            target: './trainer',
            from: ['./server', './components', './app'],
            message: 'The trainer is its own process: it reaches the web side only through the database (trainer -> db).',
          },
          {
            target: ['./trainer/envs', './trainer/contracts', './trainer/core'],
            from: './trainer',
            except: BOTTOM,
            message: 'trainer/envs, trainer/contracts and trainer/core are the bottom layer: they import only each other.',
          },
          {
            // A zone rather than no-restricted-imports: zones see dynamic import() too.
            target: NO_MUJOCO,
            from: './node_modules/mujoco-js',
            message: 'MuJoCo (mujoco-js) runs in the trainer process only (trainer/ outside envs/contracts/core, loaded by trainer/mujoco/load.ts, and scripts/): the web app draws MuJoCo clips from their stored states.',
          },
          {
            target: ['./trainer/envs', './trainer/contracts', './trainer/core'],
            from: './db',
            message: 'trainer/envs, trainer/contracts and trainer/core are the bottom layer: they import only each other.',
          },
        ],
      }],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    ignores: [...NOT_PRODUCTION, 'scripts/**', 'trainer/**'],
    rules: { 'no-restricted-imports': ['error', noTfjs] },
  },
  {
    files: ['trainer/envs/**', 'trainer/contracts/**', 'trainer/core/**'],
    ignores: NOT_PRODUCTION,
    rules: { 'no-restricted-imports': ['error', noTfjs] },
  },

  // ---- one data-access layer for SQLite and PostgreSQL --------------------------------------
  {
    files: ['**/*.ts', '**/*.tsx'],
    ignores: SQLITE_IMPLEMENTATION,
    rules: { 'no-restricted-syntax': ['error', ...noSyncQueries] },
  },
);

#!/usr/bin/env bash
# `npm test`: every check of the project — the typecheck (`tsc --noEmit`) and ESLint (run side by
# side: each is single-threaded), then vitest (unit + integration), then Playwright (end to end in
# Debian's chromium against `next build && next start`). Ends with one plain line
# `N passed, N failed`: vitest's and Playwright's tests, plus the typecheck and the lint as one
# check each (a check that reports any error counts as 1 failed, a clean one as 1 passed; their
# own output above says which file and line). Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp
rm -f .tmp/vitest.json .tmp/vitest-postgres.json .tmp/playwright.json .tmp/typecheck.log .tmp/lint.log
status=0

echo "== typecheck (tsc --noEmit) and lint (eslint)"
checks_started=$SECONDS
npx tsc --noEmit >.tmp/typecheck.log 2>&1 &
typecheck_pid=$!
npx eslint . >.tmp/lint.log 2>&1 &
lint_pid=$!
wait "$typecheck_pid"; typecheck=$?
wait "$lint_pid"; lint=$?
cat .tmp/typecheck.log .tmp/lint.log
echo "typecheck exit $typecheck, lint exit $lint ($((SECONDS - checks_started)) s)"
[ "$typecheck" -eq 0 ] || { echo "typecheck failed"; status=1; }
[ "$lint" -eq 0 ] || { echo "lint failed"; status=1; }

echo "== vitest"
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json || status=1

# The database-facing suites again on a real PostgreSQL server (vitest.postgres.config.ts). CI
# (.ci/run) starts one and sets TEST_POSTGRES_URL; there, or wherever TEST_POSTGRES_URL is set,
# they run and an unreachable server fails them. Elsewhere this says they did not run.
postgres_reports=()
if [ -n "${TEST_POSTGRES_URL:-}" ] || [ "${CI:-}" = "true" ]; then
  echo "== vitest on PostgreSQL"
  npx vitest run --config vitest.postgres.config.ts --reporter=default --reporter=json --outputFile.json=.tmp/vitest-postgres.json || status=1
  postgres_reports=(.tmp/vitest-postgres.json)
else
  echo "== PostgreSQL suites NOT run: set TEST_POSTGRES_URL=postgres://... (CI runs them: .ci/run)"
fi

if [ -f playwright.config.ts ] && [ "${SKIP_E2E:-0}" != "1" ]; then
  echo "== playwright (end to end)"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PLAYWRIGHT_JSON_OUTPUT_NAME=.tmp/playwright.json \
    npx playwright test --reporter=list,json || status=1
fi

node scripts/summarize-tests.mjs --check "typecheck=$typecheck" --check "lint=$lint" .tmp/vitest.json "${postgres_reports[@]}" .tmp/playwright.json || status=1
exit $status

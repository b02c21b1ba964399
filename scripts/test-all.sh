#!/usr/bin/env bash
# `npm test`: every test of the project — vitest (unit + integration), then Playwright (end to end
# in Debian's chromium against `next build && next start`). Ends with one plain line
# `N passed, N failed` summed over both runners, and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tmp
rm -f .tmp/vitest.json .tmp/playwright.json
status=0

echo "== vitest"
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json || status=1

if [ -f playwright.config.ts ] && [ "${SKIP_E2E:-0}" != "1" ]; then
  echo "== playwright (end to end)"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PLAYWRIGHT_JSON_OUTPUT_NAME=.tmp/playwright.json \
    npx playwright test --reporter=list,json || status=1
fi

node scripts/summarize-tests.mjs .tmp/vitest.json .tmp/playwright.json || status=1
exit $status

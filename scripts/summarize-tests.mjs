// Sums the JSON reports of vitest and Playwright, and the exit statuses of the whole-project
// checks (`--check typecheck=STATUS`, `--check lint=STATUS`, one passed or failed each), into the
// one plain line CI reads: `N passed, N failed`. A runner that was expected but wrote no report
// counts as a failure.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let missing = 0;
const args = process.argv.slice(2);
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--check') {
    const [name, code] = (args[++i] ?? '').split('=');
    if (!name || code === undefined || !/^\d+$/.test(code)) throw new Error(`--check NAME=STATUS expected, got ${JSON.stringify(args[i])}`);
    if (code === '0') passed++;
    else failed++;
  } else {
    files.push(args[i]);
  }
}
for (const file of files) {
  if (!existsSync(file)) {
    if (file.includes('vitest')) missing++;
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  if ('numPassedTests' in report) {
    // vitest (jest-compatible JSON)
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    if (report.numTotalTestSuites > 0 && report.success === false && report.numFailedTests === 0) failed++; // a suite that failed to load
  } else if (report.stats) {
    // Playwright
    passed += report.stats.expected ?? 0;
    failed += (report.stats.unexpected ?? 0) + (report.stats.flaky ?? 0);
  }
}
console.log(`${passed} passed, ${failed + missing} failed`);
process.exit(failed + missing > 0 ? 1 : 0);

import { describe, expect, it } from 'vitest';
import { parseExportArgs } from './cliArgs';

describe('parseExportArgs', () => {
  it('reads every flag into format, filters and output', () => {
    const parsed = parseExportArgs(['--run', '3', '--format', 'parquet', '--out', 'x.parquet', '--from', '2025-03-01', '--to', '2025-03-01', '--annotator', 'ann-1', '--choice', 'equal', '--emails', '--flagged', '--db', 'a.sqlite']);
    expect(parsed).toEqual({
      ok: true,
      options: {
        format: 'parquet',
        out: 'x.parquet',
        db: 'a.sqlite',
        // One UTC day, inclusive at both ends.
        filters: { runId: 3, from: Date.UTC(2025, 2, 1), to: Date.UTC(2025, 2, 2) - 1, annotator: 'ann-1', choice: 'equal', emails: true, includeFlagged: true },
      },
    });
    const all = parseExportArgs(['--run', 'all', '--format', 'csv', '--out', '-']);
    expect(all.ok && all.options.filters).toEqual({ runId: undefined, from: undefined, to: undefined, annotator: undefined, choice: undefined, emails: false, includeFlagged: false });
  });

  it.each([
    [['--format', 'csv', '--out', 'f'], /missing --run/],
    [['--run', '1', '--format', 'xml', '--out', 'f'], /format must be one of/],
    [['--run', 'one', '--format', 'csv', '--out', 'f'], /run must be a run id/],
    [['--run', '1', '--format', 'csv', '--out', 'f', '--choice', 'maybe'], /choice must be one of/],
    [['--run', '1', '--format', 'csv', '--out', 'f', '--from', 'soon'], /from must be a date/],
    [['--run', '1', '--format', 'csv', '--out', 'f', '--colour', 'red'], /Unknown option '--colour'/],
    [['--run', '1', '--format', 'csv', '--out', 'f', 'extra'], /positional/],
  ])('rejects %j in words', (argv, message) => {
    const parsed = parseExportArgs(argv);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(message);
  });
});

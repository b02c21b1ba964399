import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { safeCallbackPath } from '@/server/access';
import { authOptions } from '../auth';

const ORIGIN = 'https://app.example';

/** Where a browser goes when told to open `path` on this site (WHATWG URL parsing, as browsers do). */
const landsOn = (path: string) => new URL(path, ORIGIN).origin;

describe('callbackUrl sanitiser: same-origin relative paths only', () => {
  it.each([
    '/\t/evil.example', // the probe's: browsers drop the tab and see //evil.example
    '/\n/evil.example',
    '/\r\n/evil.example',
    '/ /evil.example',
    '//evil.example',
    '/\\evil.example',
    '/\\/evil.example',
    '\\\\evil.example',
    'https://evil.example',
    'javascript:alert(1)',
    'data:text/html,x',
    'evil.example',
    '',
    '/label\u0000',
    '/label\u007f',
    '/label\u2028x',
  ])('refuses %j', (raw) => {
    expect(safeCallbackPath(raw)).toBe('/label');
  });

  it.each(['/', '/label', '/runs/3?tab=clips#top', '/admin/export?format=csv&run=all', '/label?x=%2F%2Fevil.example', '/%09/x'])('keeps %j', (raw) => {
    expect(safeCallbackPath(raw)).toBe(raw);
    expect(landsOn(raw)).toBe(ORIGIN);
  });

  it('whatever it is given, the result stays on this origin (20,000 generated strings, seeded)', () => {
    const pieces = fc.constantFrom('/', '//', '\\', '\t', '\n', '\r', ' ', ':', '@', '.', 'evil.example', 'https:', '%2F', '%09', '?', '#', 'a', '\u0000', '\u3000');
    const hostile = fc.array(pieces, { maxLength: 8 }).map((p) => p.join(''));
    fc.assert(
      fc.property(fc.oneof(hostile, fc.string({ unit: 'binary' })), (raw) => {
        expect(landsOn(safeCallbackPath(raw))).toBe(ORIGIN);
      }),
      { seed: 11, numRuns: 20_000 },
    );
  });

  it("next-auth's redirect callback uses it too", async () => {
    const redirect = authOptions.callbacks!.redirect!;
    const base = 'http://127.0.0.1:3000';
    expect(await redirect({ url: '/\t/evil.example', baseUrl: base })).toBe(`${base}/label`);
    expect(await redirect({ url: `${base}.evil.example/x`, baseUrl: base })).toBe(`${base}/label`);
    expect(await redirect({ url: 'https://evil.example/', baseUrl: base })).toBe(`${base}/label`);
    expect(await redirect({ url: `${base}/runs/2`, baseUrl: base })).toBe(`${base}/runs/2`);
    expect(await redirect({ url: '/admin', baseUrl: base })).toBe(`${base}/admin`);
  });
});

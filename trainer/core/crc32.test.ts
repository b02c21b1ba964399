import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32';

describe('crc32', () => {
  it('gives the published check value, 0 on nothing, and what zlib writes in a gzip trailer', () => {
    // The CRC-32 check value of "123456789" (IEEE 802.3) is 0xCBF43926.
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const bytes = Buffer.from('a longer string, checked against gzip framing');
    // zlib's gzip trailer carries the same CRC-32 (little-endian, 8 bytes before the end).
    const gz = gzipSync(bytes);
    expect(crc32(bytes)).toBe(gz.readUInt32LE(gz.length - 8));
  });
});

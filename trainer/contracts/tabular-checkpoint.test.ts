import { describe, expect, it } from 'vitest';
import { CheckpointLoadError, decodeVector, encodeVector } from './tabular-checkpoint';

describe('tabular checkpoint blobs', () => {
  it('round-trips a vector bit for bit', () => {
    const v = Float64Array.from([0, -1.5, Math.PI, 1e-300, -2.2e10]);
    expect(Array.from(decodeVector(encodeVector(v), 5, 'x'))).toEqual(Array.from(v));
  });

  it('refuses damaged, truncated, foreign, wrong-sized and missing blobs with a named error', () => {
    const good = encodeVector(Float64Array.from([1, 2, 3]));
    const flipped = Buffer.from(good);
    flipped[20] = flipped[20]! ^ 1;
    const cases: Array<[Uint8Array | null, number, RegExp]> = [
      [flipped, 3, /checksum mismatch/],
      [good.subarray(0, good.length - 8), 3, /truncated/],
      [Buffer.from('not a checkpoint at all'), 3, /bad magic/],
      [good, 4, /holds 3 values but this run's setup needs 4/],
      [null, 3, /missing/],
      [encodeVector([1, Number.NaN, 3]), 3, /non-finite/],
    ];
    for (const [blob, n, message] of cases) {
      expect(() => decodeVector(blob, n, 'checkpoint 7 of run 2')).toThrow(CheckpointLoadError);
      expect(() => decodeVector(blob, n, 'checkpoint 7 of run 2')).toThrow(message);
    }
  });
});

/**
 * Tabular checkpoints as two blobs (checkpoints.reward_model = x, checkpoints.policy = Q):
 *
 *   bytes 0..7    "SOBIRLTV" (magic)
 *   bytes 8..11   number of float64 values N, uint32 little-endian
 *   bytes 12..15  CRC-32 of the value bytes, uint32 little-endian
 *   bytes 16..    N float64 values, little-endian
 *
 * Decoding checks magic, length, checksum, the expected size and finiteness, and throws a
 * CheckpointLoadError naming the checkpoint: a torn or corrupted row is never half-used, the
 * service reports it on the run and falls back to the previous checkpoint.
 */

import { crc32 } from '../core/crc32';

/** The checkpoints.format_version this build writes and reads for tabular runs. */
export const TABULAR_CHECKPOINT_FORMAT = 1;

const MAGIC = 'SOBIRLTV';
const HEADER_BYTES = 16;

export class CheckpointLoadError extends Error {
  override name = 'CheckpointLoadError';
}

/**
 * A checkpoint written for an observation the env no longer produces (mountaincar before its
 * local features: 2 values, now 66). Every older checkpoint of the run has the same width, so
 * falling back to them cannot help, and starting over untrained would mix two observations in
 * one run's curve: the service stops the run with this message (run-driver.ts).
 */
export class CheckpointOutdatedError extends CheckpointLoadError {
  override name = 'CheckpointOutdatedError';
}

/** The message for a checkpoint (or reward model) of `storedSize` observation values on an env that now has `currentSize`. */
export function outdatedObservationMessage(envId: string, storedSize: number, currentSize: number): string {
  return `this run's checkpoint was written for ${envId}'s old ${storedSize}-value observation (this build's ${envId} observes ${currentSize} values); start a new run`;
}

export function encodeVector(values: ArrayLike<number>): Buffer {
  const out = Buffer.alloc(HEADER_BYTES + 8 * values.length);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(values.length, 8);
  for (let i = 0; i < values.length; i++) out.writeDoubleLE(values[i]!, HEADER_BYTES + 8 * i);
  out.writeUInt32LE(crc32(out.subarray(HEADER_BYTES)), 12);
  return out;
}

/**
 * @param expectedLength the vector size the run's setup needs (n for x, S * A for Q); null when
 *   the consumer checks the size itself (the learners' optimiser state)
 * @param label how errors name the blob, e.g. "checkpoint 12 (iteration 4) of run 3: reward model"
 */
export function decodeVector(blob: Uint8Array | null, expectedLength: number | null, label: string): Float64Array {
  if (!blob) throw new CheckpointLoadError(`${label}: the blob is missing`);
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.length < HEADER_BYTES || buf.toString('latin1', 0, 8) !== MAGIC) {
    throw new CheckpointLoadError(`${label}: not a tabular checkpoint blob (bad magic)`);
  }
  const n = buf.readUInt32LE(8);
  if (buf.length !== HEADER_BYTES + 8 * n) {
    throw new CheckpointLoadError(`${label}: truncated (${buf.length} bytes for ${n} values)`);
  }
  if (crc32(buf.subarray(HEADER_BYTES)) !== buf.readUInt32LE(12)) {
    throw new CheckpointLoadError(`${label}: checksum mismatch (the blob was altered or torn)`);
  }
  if (expectedLength !== null && n !== expectedLength) {
    throw new CheckpointLoadError(`${label}: holds ${n} values but this run's setup needs ${expectedLength} (features or env changed?)`);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readDoubleLE(HEADER_BYTES + 8 * i);
  if (!out.every(Number.isFinite)) throw new CheckpointLoadError(`${label}: holds non-finite values`);
  return out;
}

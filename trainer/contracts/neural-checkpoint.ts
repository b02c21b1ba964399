/**
 * The neural checkpoint format, tfjs-free: the trainer (trainer/models/checkpoint.ts writes and
 * loads blobs with tfjs) and the web server (server/inspect/neuralRewardModel.ts evaluates the
 * reward model without tfjs) both parse blobs with THIS module. One blob per network:
 *
 *   bytes 0..7   "SOBIRLCK" (magic)
 *   bytes 8..11  header length L, uint32 little-endian
 *   next L bytes header, UTF-8 JSON: { formatVersion, kind, config, weightSpecs, weightBytes, weightCrc32 }
 *   the rest     the weights as tf.io.encodeWeights lays them out (specs in the header): each
 *                spec's float32 values, little-endian, one after the other in spec order
 *
 * Two version numbers, not to be confused:
 * - NEURAL_BLOB_FORMAT: `formatVersion` inside each blob's header;
 * - NEURAL_CHECKPOINT_ROW_FORMAT: checkpoints.format_version of a neural row (1000 + the blob
 *   format; tabular rows are TABULAR_CHECKPOINT_FORMAT = 1, contracts/tabular-checkpoint.ts).
 */
import { crc32 } from '../core/crc32';

export const NEURAL_BLOB_FORMAT = 1;
export const NEURAL_CHECKPOINT_ROW_FORMAT = 1000 + NEURAL_BLOB_FORMAT;

export const NEURAL_CHECKPOINT_MAGIC = 'SOBIRLCK';
const PREFIX_BYTES = NEURAL_CHECKPOINT_MAGIC.length + 4;

export const NEURAL_CHECKPOINT_KINDS = ['reward-model', 'soft-q'] as const;
export type NeuralCheckpointKind = (typeof NEURAL_CHECKPOINT_KINDS)[number];

/** Anything wrong with a blob; the message names it by its label ("checkpoint 12 of run 3"). */
export class NeuralCheckpointError extends Error {
  override name = 'NeuralCheckpointError';
}

/** One weight as the header lists it (tfjs' WeightsManifestEntry, the fields both readers rely on). */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

export interface NeuralCheckpointHeader<C = Record<string, unknown>, S extends WeightSpec = WeightSpec> {
  formatVersion: number;
  kind: NeuralCheckpointKind;
  config: C;
  weightSpecs: S[];
  weightBytes: number;
  weightCrc32: number;
}

/** The blob for a header and its weight bytes (the header's weightBytes / weightCrc32 must describe `weights`). */
export function packNeuralCheckpoint(header: NeuralCheckpointHeader<unknown, WeightSpec>, weights: Uint8Array): Uint8Array {
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(PREFIX_BYTES + headerBytes.byteLength + weights.byteLength);
  out.set(new TextEncoder().encode(NEURAL_CHECKPOINT_MAGIC), 0);
  new DataView(out.buffer).setUint32(NEURAL_CHECKPOINT_MAGIC.length, headerBytes.byteLength, true);
  out.set(headerBytes, PREFIX_BYTES);
  out.set(weights, PREFIX_BYTES + headerBytes.byteLength);
  return out;
}

/**
 * Checks a blob's framing (magic, lengths, header JSON, version, kind, fields, weight length and
 * CRC-32) and returns its header and weight bytes; `expectedKind` null accepts either kind.
 * Throws a NeuralCheckpointError naming `label`; nothing is returned half-checked.
 */
export function readNeuralCheckpoint(blob: Uint8Array, label: string, expectedKind: NeuralCheckpointKind | null = null): { header: NeuralCheckpointHeader; weights: Uint8Array } {
  const magic = NEURAL_CHECKPOINT_MAGIC;
  if (blob.byteLength < PREFIX_BYTES || String.fromCharCode(...blob.subarray(0, magic.length)) !== magic) {
    throw new NeuralCheckpointError(`${label} is not a SoBiRL neural checkpoint (no '${magic}' signature, so not a SoBiRL checkpoint of any kind: truncated, a tabular blob, or another file?)`);
  }
  const headerLength = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(magic.length, true);
  if (PREFIX_BYTES + headerLength > blob.byteLength) {
    throw new NeuralCheckpointError(`${label} is truncated: its header needs ${headerLength} bytes, only ${blob.byteLength - PREFIX_BYTES} are there`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(blob.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength)));
  } catch {
    throw new NeuralCheckpointError(`${label} is corrupt: its header is not valid JSON`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new NeuralCheckpointError(`${label} is corrupt: its header is not an object`);
  const header = raw as Partial<NeuralCheckpointHeader>;
  // Version first: a later format may change every other field.
  if (header.formatVersion !== NEURAL_BLOB_FORMAT) {
    throw new NeuralCheckpointError(`${label} is format v${String(header.formatVersion)}; this build reads v${NEURAL_BLOB_FORMAT}`);
  }
  if (!(NEURAL_CHECKPOINT_KINDS as readonly unknown[]).includes(header.kind)) {
    throw new NeuralCheckpointError(`${label} is corrupt: unknown kind '${String(header.kind)}'`);
  }
  if (expectedKind !== null && header.kind !== expectedKind) throw new NeuralCheckpointError(`${label} holds a ${header.kind}, not a ${expectedKind}`);
  if (!Array.isArray(header.weightSpecs) || typeof header.weightBytes !== 'number' || typeof header.weightCrc32 !== 'number'
    || header.config === null || typeof header.config !== 'object') {
    throw new NeuralCheckpointError(`${label} is corrupt: its header lacks weightSpecs, weightBytes, weightCrc32 or config`);
  }
  const weights = blob.subarray(PREFIX_BYTES + headerLength);
  if (weights.byteLength !== header.weightBytes) {
    throw new NeuralCheckpointError(`${label} is truncated or corrupt: ${header.weightBytes} bytes of weights expected, ${weights.byteLength} found`);
  }
  if (crc32(weights) !== header.weightCrc32) throw new NeuralCheckpointError(`${label} is corrupt: the weights fail their checksum`);
  return { header: header as NeuralCheckpointHeader, weights };
}

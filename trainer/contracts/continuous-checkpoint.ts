/**
 * The continuous engine's checkpoint format (SAC runs on continuous-action envs), tfjs-free and
 * database-free: named float32 sections, one blob per checkpoint column.
 *
 *   bytes 0..7   "SOBIRLCC" (magic; neural blobs are "SOBIRLCK", so neither reader takes the other's)
 *   bytes 8..11  header length L, uint32 little-endian
 *   next L bytes header, UTF-8 JSON: { formatVersion, kind, config, sections: [{ name, length }], dataBytes, dataCrc32 }
 *   the rest     each section's float32 values, little-endian, in header order
 *
 * Columns: reward_model = kind 'continuous-reward' (section 'reward': r_x's weights, the dense-MLP
 * kernel's layout), policy = 'continuous-policy' (actor, critic1, critic2, target1, target2,
 * logAlpha), optimizer_state = 'continuous-optimizer' (sac/actor, sac/critic1, sac/critic2,
 * sac/alpha: Adam state [beta1^t, beta2^t, m, v]; sac/updates; upper/...: the upper level's own
 * state, e.g. Stoc-SoBiRL's momentum). checkpoints.format_version of such a row is
 * CONTINUOUS_CHECKPOINT_ROW_FORMAT (2000 + the blob format). docs/checkpoint-format.md.
 */
import { crc32 } from '../core/crc32';

export const CONTINUOUS_BLOB_FORMAT = 1;
export const CONTINUOUS_CHECKPOINT_ROW_FORMAT = 2000 + CONTINUOUS_BLOB_FORMAT;
export const CONTINUOUS_CHECKPOINT_MAGIC = 'SOBIRLCC';
const PREFIX_BYTES = CONTINUOUS_CHECKPOINT_MAGIC.length + 4;

export const CONTINUOUS_CHECKPOINT_KINDS = ['continuous-reward', 'continuous-policy', 'continuous-optimizer'] as const;
export type ContinuousCheckpointKind = (typeof CONTINUOUS_CHECKPOINT_KINDS)[number];

export class ContinuousCheckpointError extends Error {
  override name = 'ContinuousCheckpointError';
}

export interface ContinuousCheckpointHeader {
  formatVersion: number;
  kind: ContinuousCheckpointKind;
  /** What built the networks (env, sizes): a reader checks it against its run. */
  config: Record<string, unknown>;
  sections: Array<{ name: string; length: number }>;
  dataBytes: number;
  dataCrc32: number;
}

export function packContinuousCheckpoint(kind: ContinuousCheckpointKind, config: Record<string, unknown>, sections: Record<string, Float32Array>): Uint8Array {
  const list = Object.entries(sections).map(([name, v]) => ({ name, length: v.length }));
  const data = new Uint8Array(4 * list.reduce((s, e) => s + e.length, 0));
  const view = new DataView(data.buffer);
  let at = 0;
  for (const [, values] of Object.entries(sections)) for (const x of values) { view.setFloat32(at, x, true); at += 4; }
  const header: ContinuousCheckpointHeader = { formatVersion: CONTINUOUS_BLOB_FORMAT, kind, config, sections: list, dataBytes: data.byteLength, dataCrc32: crc32(data) };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(PREFIX_BYTES + headerBytes.byteLength + data.byteLength);
  out.set(new TextEncoder().encode(CONTINUOUS_CHECKPOINT_MAGIC), 0);
  new DataView(out.buffer).setUint32(CONTINUOUS_CHECKPOINT_MAGIC.length, headerBytes.byteLength, true);
  out.set(headerBytes, PREFIX_BYTES);
  out.set(data, PREFIX_BYTES + headerBytes.byteLength);
  return out;
}

/**
 * Checks a blob's framing (magic, lengths, header JSON, version, kind, section list, data length,
 * CRC-32) and returns its header and sections. Throws a ContinuousCheckpointError naming `label`.
 */
export function readContinuousCheckpoint(blob: Uint8Array, label: string, expectedKind: ContinuousCheckpointKind): { header: ContinuousCheckpointHeader; sections: Record<string, Float32Array> } {
  const magic = CONTINUOUS_CHECKPOINT_MAGIC;
  const signature = blob.byteLength >= PREFIX_BYTES ? String.fromCharCode(...blob.subarray(0, magic.length)) : '';
  if (signature !== magic) {
    const hint = signature === 'SOBIRLCK' ? 'it is a discrete-action neural checkpoint (SOBIRLCK)' : 'truncated, a tabular blob, or another file?';
    throw new ContinuousCheckpointError(`${label} is not a continuous SoBiRL checkpoint (no '${magic}' signature: ${hint})`);
  }
  const headerLength = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(magic.length, true);
  if (PREFIX_BYTES + headerLength > blob.byteLength) throw new ContinuousCheckpointError(`${label} is truncated: its header needs ${headerLength} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(blob.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength)));
  } catch {
    throw new ContinuousCheckpointError(`${label} is corrupt: its header is not valid JSON`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ContinuousCheckpointError(`${label} is corrupt: its header is not an object`);
  const header = raw as Partial<ContinuousCheckpointHeader>;
  if (header.formatVersion !== CONTINUOUS_BLOB_FORMAT) throw new ContinuousCheckpointError(`${label} is format v${String(header.formatVersion)}; this build reads continuous v${CONTINUOUS_BLOB_FORMAT}`);
  if (header.kind !== expectedKind) throw new ContinuousCheckpointError(`${label} holds a ${String(header.kind)}, not a ${expectedKind}`);
  const sections = header.sections;
  if (!Array.isArray(sections) || sections.some((s) => !s || typeof s.name !== 'string' || !Number.isInteger(s.length) || s.length < 0)
    || typeof header.dataBytes !== 'number' || typeof header.dataCrc32 !== 'number' || header.config === null || typeof header.config !== 'object') {
    throw new ContinuousCheckpointError(`${label} is corrupt: its header lacks sections, dataBytes, dataCrc32 or config`);
  }
  const data = blob.subarray(PREFIX_BYTES + headerLength);
  const want = 4 * sections.reduce((s, e) => s + e.length, 0);
  if (data.byteLength !== header.dataBytes || want !== header.dataBytes) {
    throw new ContinuousCheckpointError(`${label} is truncated or corrupt: ${want} bytes of data expected, ${data.byteLength} found`);
  }
  if (crc32(data) !== header.dataCrc32) throw new ContinuousCheckpointError(`${label} is corrupt: the data fails its checksum`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Record<string, Float32Array> = {};
  let at = 0;
  for (const { name, length } of sections) {
    const v = new Float32Array(length);
    for (let i = 0; i < length; i++, at += 4) v[i] = view.getFloat32(at, true);
    out[name] = v;
  }
  return { header: header as ContinuousCheckpointHeader, sections: out };
}

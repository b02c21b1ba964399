/**
 * The neural reward model r_x(s, a) read back on the web server WITHOUT tfjs (tfjs stays out of
 * the Next bundle, see docs/operations.md, so nothing here may import trainer/models). It parses
 * the blob that trainer/models/checkpoint.ts `saveCheckpoint(rewardModel)` writes:
 *
 *   bytes 0..7   "SOBIRLCK"
 *   bytes 8..11  header length L, uint32 little-endian
 *   next L bytes header, UTF-8 JSON: { formatVersion, kind, config, weightSpecs, weightBytes, weightCrc32 }
 *   the rest     the weights as tf.io.encodeWeights lays them out: each spec's float32 values,
 *                little-endian, one after the other in spec order
 *
 * and evaluates the MLP of trainer/models/mlp.ts in Float64: dense layers `h W + b` (kernel [in, out]
 * row-major), the hidden activation (relu, tanh or elu with alpha 1, as tfjs), a linear output with
 * one value per action, and the mean over the K ensemble members (reward-model.ts: the mean IS the
 * reward). Everything is checked before a model is returned (magic, lengths, CRC-32, version, kind,
 * config, every weight's name, dtype and shape, finiteness): a blob either decodes whole or throws a
 * NeuralCheckpointError naming it; there is no half-decoded model.
 */

import { crc32 } from '@/trainer/core/crc32';

/** trainer/models/checkpoint.ts CHECKPOINT_FORMAT_VERSION (neuralRewardModel.test.ts checks they agree). */
export const NEURAL_CHECKPOINT_FORMAT = 1;

const MAGIC = 'SOBIRLCK';
const PREFIX_BYTES = MAGIC.length + 4;
const ACTIVATIONS = ['relu', 'tanh', 'elu'] as const;

export type NeuralActivation = (typeof ACTIVATIONS)[number];

export class NeuralCheckpointError extends Error {
  override name = 'NeuralCheckpointError';
}

/** One weight as the header lists it (tfjs' WeightsManifestEntry, the fields we rely on). */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
}

export interface NeuralCheckpointHeader {
  formatVersion: number;
  kind: string;
  config: Record<string, unknown>;
  weightSpecs: WeightSpec[];
  weightBytes: number;
  weightCrc32: number;
}

interface DenseLayer {
  inSize: number;
  outSize: number;
  /** kernel[i * outSize + j]: input i to output j (tfjs' [in, out] row-major). */
  kernel: Float64Array;
  bias: Float64Array;
}

export interface NeuralRewardModel {
  obsSize: number;
  numActions: number;
  hiddenSizes: readonly number[];
  activation: NeuralActivation;
  /** members[k][l]: layer l of ensemble member k. */
  members: ReadonlyArray<readonly DenseLayer[]>;
  /** Number of weights (all members): 8 bytes each in memory, for cache budgets. */
  parameterCount: number;
}

/**
 * Validates the blob's framing and checksum and returns its header and weight bytes (any kind).
 * Mirrors checkpoint.ts `readCheckpointHeader`, with which the tests check it agrees.
 */
export function readNeuralCheckpoint(blob: Uint8Array, label: string): { header: NeuralCheckpointHeader; weights: Uint8Array } {
  if (blob.byteLength < PREFIX_BYTES || latin1(blob.subarray(0, MAGIC.length)) !== MAGIC) {
    throw new NeuralCheckpointError(`${label} is not a SoBiRL neural checkpoint (no '${MAGIC}' signature: truncated, or a tabular or foreign blob?)`);
  }
  const headerLength = new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(MAGIC.length, true);
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
  if (header.formatVersion !== NEURAL_CHECKPOINT_FORMAT) {
    throw new NeuralCheckpointError(`${label} is format v${String(header.formatVersion)}; this build reads v${NEURAL_CHECKPOINT_FORMAT}`);
  }
  if (typeof header.kind !== 'string' || !Array.isArray(header.weightSpecs) || typeof header.weightBytes !== 'number'
    || typeof header.weightCrc32 !== 'number' || header.config === null || typeof header.config !== 'object') {
    throw new NeuralCheckpointError(`${label} is corrupt: its header lacks kind, weightSpecs, weightBytes, weightCrc32 or config`);
  }
  const weights = blob.subarray(PREFIX_BYTES + headerLength);
  if (weights.byteLength !== header.weightBytes) {
    throw new NeuralCheckpointError(`${label} is truncated or corrupt: ${header.weightBytes} bytes of weights expected, ${weights.byteLength} found`);
  }
  if (crc32(weights) !== header.weightCrc32) throw new NeuralCheckpointError(`${label} is corrupt: the weights fail their checksum`);
  return { header: header as NeuralCheckpointHeader, weights };
}

/** Decodes a reward-model checkpoint blob (throws NeuralCheckpointError naming `label`). */
export function decodeNeuralRewardModel(blob: Uint8Array | null, label: string): NeuralRewardModel {
  if (!blob) throw new NeuralCheckpointError(`${label} has no reward-model blob`);
  const { header, weights } = readNeuralCheckpoint(blob, label);
  if (header.kind !== 'reward-model') throw new NeuralCheckpointError(`${label} holds a ${header.kind}, not a reward-model`);
  const { obsSize, numActions, hiddenSizes, activation, ensembleSize } = checkedConfig(header.config, label);
  const values = weightValues(header.weightSpecs, weights, label);
  const sizes = [obsSize, ...hiddenSizes, numActions];
  const members: DenseLayer[][] = [];
  const used = new Set<string>();
  const take = (name: string, shape: number[]): Float64Array => {
    const hit = values.get(name);
    if (!hit) throw new NeuralCheckpointError(`${label} lacks weight '${name}'`);
    if (hit.shape.length !== shape.length || hit.shape.some((n, i) => n !== shape[i])) {
      throw new NeuralCheckpointError(`${label}: weight '${name}' has shape [${hit.shape.join(', ')}], the config implies [${shape.join(', ')}]`);
    }
    used.add(name);
    return hit.data;
  };
  for (let k = 0; k < ensembleSize; k++) {
    const layers: DenseLayer[] = [];
    for (let l = 0; l + 1 < sizes.length; l++) {
      const inSize = sizes[l]!, outSize = sizes[l + 1]!;
      layers.push({ inSize, outSize, kernel: take(`m${k}/l${l}/kernel`, [inSize, outSize]), bias: take(`m${k}/l${l}/bias`, [outSize]) });
    }
    members.push(layers);
  }
  const extra = [...values.keys()].filter((name) => !used.has(name));
  if (extra.length > 0) throw new NeuralCheckpointError(`${label} has weights this reward model does not: ${extra.join(', ')}`);
  let parameterCount = 0;
  for (const v of values.values()) parameterCount += v.data.length;
  return { obsSize, numActions, hiddenSizes, activation, members, parameterCount };
}

function checkedConfig(config: Record<string, unknown>, label: string) {
  const bad = (what: string) => new NeuralCheckpointError(`${label} has an invalid config: ${what}`);
  const positiveInt = (name: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw bad(`${name} must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const obsSize = positiveInt('obsSize', config.obsSize);
  const numActions = positiveInt('numActions', config.numActions);
  const ensembleSize = positiveInt('ensembleSize', config.ensembleSize);
  if (!Array.isArray(config.hiddenSizes)) throw bad('hiddenSizes is not a list');
  const hiddenSizes = config.hiddenSizes.map((h, i) => positiveInt(`hiddenSizes[${i}]`, h));
  const activation = ACTIVATIONS.find((a) => a === config.activation);
  if (!activation) throw bad(`unknown activation ${JSON.stringify(config.activation)}`);
  return { obsSize, numActions, hiddenSizes, activation, ensembleSize };
}

/** Splits the weight bytes by spec (float32 only: the reward model has no other dtype). */
function weightValues(specs: readonly unknown[], weights: Uint8Array, label: string): Map<string, { shape: number[]; data: Float64Array }> {
  const view = new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
  const out = new Map<string, { shape: number[]; data: Float64Array }>();
  let offset = 0;
  for (const raw of specs) {
    const spec = raw as Partial<WeightSpec> & { quantization?: unknown };
    if (typeof spec?.name !== 'string' || !Array.isArray(spec.shape) || spec.shape.some((n) => !Number.isInteger(n) || n < 0)) {
      throw new NeuralCheckpointError(`${label} is corrupt: a weight spec lacks a name or a shape`);
    }
    if (spec.dtype !== 'float32' || spec.quantization !== undefined) {
      throw new NeuralCheckpointError(`${label}: weight '${spec.name}' is ${String(spec.dtype)}${spec.quantization ? ' (quantized)' : ''}; the reward model stores float32`);
    }
    if (out.has(spec.name)) throw new NeuralCheckpointError(`${label} is corrupt: weight '${spec.name}' appears twice`);
    const count = spec.shape.reduce((p, n) => p * n, 1);
    if (offset + 4 * count > weights.byteLength) throw new NeuralCheckpointError(`${label} is corrupt: its weight specs need more bytes than it has`);
    const data = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const v = view.getFloat32(offset + 4 * i, true);
      if (!Number.isFinite(v)) throw new NeuralCheckpointError(`${label}: weight '${spec.name}' holds a non-finite value (the training diverged)`);
      data[i] = v;
    }
    out.set(spec.name, { shape: [...spec.shape], data });
    offset += 4 * count;
  }
  if (offset !== weights.byteLength) throw new NeuralCheckpointError(`${label} is corrupt: ${weights.byteLength - offset} bytes of weights no spec describes`);
  return out;
}

function activate(activation: NeuralActivation, z: number): number {
  if (activation === 'relu') return z > 0 ? z : 0;
  if (activation === 'tanh') return Math.tanh(z);
  return z > 0 ? z : Math.expm1(z); // tfjs' elu, alpha = 1
}

/**
 * r(s_n, .) for n observations packed row-major, obs[n * obsSize + i] -> out[n * numActions + a]:
 * the ensemble mean. Whole batches through each layer over plain Float64Arrays (a forward pass
 * per clip, not per step) keep the inner loops monomorphic and allocation-free.
 */
export function batchRewardsAllActions(model: NeuralRewardModel, obs: Float64Array, n: number): Float64Array {
  if (obs.length !== n * model.obsSize) throw new Error(`observations have ${obs.length} values; ${n} of the reward model's ${model.obsSize} expected`);
  const A = model.numActions;
  const mean = new Float64Array(n * A);
  const width = Math.max(...model.hiddenSizes, A);
  const buffers = [new Float64Array(n * width), new Float64Array(n * width)] as const;
  for (const layers of model.members) {
    let input = obs;
    layers.forEach((layer, l) => {
      const { inSize, outSize, kernel, bias } = layer;
      const out = buffers[l % 2]!;
      for (let r = 0; r < n; r++) {
        const o = r * outSize, x = r * inSize;
        for (let j = 0; j < outSize; j++) out[o + j] = bias[j]!;
        for (let i = 0; i < inSize; i++) {
          const xi = input[x + i]!;
          if (xi === 0) continue; // relu zeros: common, and free to skip
          const row = i * outSize;
          for (let j = 0; j < outSize; j++) out[o + j] = out[o + j]! + xi * kernel[row + j]!;
        }
      }
      if (l < layers.length - 1) for (let k = 0; k < n * outSize; k++) out[k] = activate(model.activation, out[k]!);
      input = out;
    });
    for (let k = 0; k < n * A; k++) mean[k] = mean[k]! + input[k]!;
  }
  const K = model.members.length;
  for (let k = 0; k < n * A; k++) mean[k] = mean[k]! / K;
  return mean;
}

/** r(s, .) for one observation, length numActions. */
export function rewardsAllActions(model: NeuralRewardModel, obs: ArrayLike<number>): Float64Array {
  if (obs.length !== model.obsSize) throw new Error(`observation has ${obs.length} values; the reward model takes ${model.obsSize}`);
  return batchRewardsAllActions(model, Float64Array.from(obs), 1);
}

/** r(s_h, a_h) at each step, for observations[h] and actions[h] (h < actions.length). */
export function stepRewards(model: NeuralRewardModel, observations: ReadonlyArray<ArrayLike<number>>, actions: readonly number[]): number[] {
  if (observations.length < actions.length) throw new Error(`${observations.length} observations for ${actions.length} actions`);
  const H = actions.length, S = model.obsSize, A = model.numActions;
  const packed = new Float64Array(H * S);
  for (let h = 0; h < H; h++) {
    const o = observations[h]!;
    if (o.length !== S) throw new Error(`observation ${h} has ${o.length} values; the reward model takes ${S}`);
    for (let i = 0; i < S; i++) packed[h * S + i] = o[i]!;
  }
  const all = batchRewardsAllActions(model, packed, H);
  return actions.map((a, h) => {
    if (!Number.isInteger(a) || a < 0 || a >= A) throw new Error(`action ${a} at step ${h} is outside [0, ${A})`);
    return all[h * A + a]!;
  });
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/**
 * The neural reward model r_x(s, a) read back on the web server WITHOUT tfjs (tfjs must stay out
 * of the Next bundle, so nothing here may import trainer/models). It reads the blob that
 * trainer/models/checkpoint.ts `saveCheckpoint(rewardModel)` writes through the one parser of
 * that format, trainer/contracts/neural-checkpoint.ts `readNeuralCheckpoint`, and evaluates the MLP of trainer/models/mlp.ts in Float64: dense layers `h W + b` (kernel [in, out]
 * row-major), the hidden activation (relu, tanh or elu with alpha 1, as tfjs), a linear output with
 * one value per action, and the mean over the K ensemble members (reward-model.ts: the mean IS the
 * reward). Everything is checked before a model is returned (magic, lengths, CRC-32, version, kind,
 * config, every weight's name, dtype and shape, finiteness): a blob either decodes whole or throws a
 * NeuralCheckpointError naming it; there is no half-decoded model.
 */

import {
  NeuralCheckpointError, readNeuralCheckpoint, type NeuralCheckpointHeader, type WeightSpec,
} from '@/trainer/contracts/neural-checkpoint';

export { NEURAL_BLOB_FORMAT } from '@/trainer/contracts/neural-checkpoint';
export { NeuralCheckpointError, readNeuralCheckpoint, type NeuralCheckpointHeader, type WeightSpec };

const ACTIVATIONS = ['relu', 'tanh', 'elu'] as const;

export type NeuralActivation = (typeof ACTIVATIONS)[number];

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

/** Decodes a reward-model checkpoint blob (throws NeuralCheckpointError naming `label`). */
export function decodeNeuralRewardModel(blob: Uint8Array | null, label: string): NeuralRewardModel {
  if (!blob) throw new NeuralCheckpointError(`${label} has no reward-model blob`);
  const { header, weights } = readNeuralCheckpoint(blob, label, 'reward-model');
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

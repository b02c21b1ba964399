import * as tf from '@tensorflow/tfjs';
import { crc32 } from '../core/crc32';
import {
  NEURAL_BLOB_FORMAT, NeuralCheckpointError, packNeuralCheckpoint, readNeuralCheckpoint, type NeuralCheckpointHeader, type NeuralCheckpointKind,
} from '../contracts/neural-checkpoint';
import type { NamedWeight } from './mlp';
import { makeRewardModelConfig, RewardModel, type RewardModelConfig } from './reward-model';
import { makeSoftQConfig, SoftQLearner, type SoftQConfig } from './soft-q';

/**
 * Checkpoints of the reward model and the soft-Q learner as one self-describing blob the service
 * can keep in SQLite or a file:
 *
 * the format of trainer/contracts/neural-checkpoint.ts (magic, header JSON, weights in tfjs'
 * binary encoding), whose parser checks the framing for both the trainer and the web server.
 *
 * Saving goes through `tf.io.withSaveHandler` and loading through `tf.io.fromMemory`, tfjs'
 * in-memory IOHandlers (pure tfjs has no file:// saver). Loading checks everything (magic,
 * lengths, checksum, version, kind, config, every weight's name and shape) BEFORE it builds the
 * model, and disposes the half-built model on any error: it never returns a half-loaded model.
 * The Adam moments are not saved: a resumed run restarts its optimisers (weights warm, steps cold).
 */
export const CHECKPOINT_FORMAT_VERSION = NEURAL_BLOB_FORMAT;

export type CheckpointKind = NeuralCheckpointKind;

export type CheckpointHeader = NeuralCheckpointHeader<RewardModelConfig | SoftQConfig, tf.io.WeightsManifestEntry>;

/** Error for anything wrong with a blob; `label` names it in the message ("checkpoint 12 of run 3"). */
export { NeuralCheckpointError as CheckpointError };

export interface LoadOptions {
  /** How the blob is named in error messages. Default 'checkpoint'. */
  label?: string;
}

export async function saveCheckpoint(model: RewardModel | SoftQLearner): Promise<Uint8Array> {
  const named = model.namedWeights();
  const { data, specs } = await tf.io.encodeWeights(named.map((w) => ({ name: w.name, tensor: w.variable })));
  let blob: Uint8Array | null = null;
  const handler = tf.io.withSaveHandler(async (artifacts) => {
    const weightData = toArrayBuffer(artifacts.weightData);
    const weightBytes = new Uint8Array(weightData);
    const header: CheckpointHeader = {
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      kind: model.kind,
      config: model.config,
      weightSpecs: artifacts.weightSpecs ?? [],
      weightBytes: weightBytes.byteLength,
      weightCrc32: crc32(weightBytes),
    };
    blob = packNeuralCheckpoint(header, weightBytes);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weightBytes.byteLength } };
  });
  await handler.save!({ modelTopology: { kind: model.kind }, weightSpecs: specs, weightData: data, format: 'sobirl-checkpoint' });
  if (blob === null) throw new Error('checkpoint: the save handler was not called');
  return blob;
}

export async function loadRewardModel(blob: Uint8Array, options: LoadOptions = {}): Promise<RewardModel> {
  const label = options.label ?? 'checkpoint';
  const { header, weights } = unpack(blob, label, 'reward-model');
  const config = checkedConfig(label, () => makeRewardModelConfig(header.config as RewardModelConfig));
  return restore(label, header, weights, () => new RewardModel(config));
}

export async function loadSoftQ(blob: Uint8Array, options: LoadOptions = {}): Promise<SoftQLearner> {
  const label = options.label ?? 'checkpoint';
  const { header, weights } = unpack(blob, label, 'soft-q');
  const config = checkedConfig(label, () => makeSoftQConfig(header.config as SoftQConfig));
  return restore(label, header, weights, () => new SoftQLearner(config));
}

/** Validates a blob and returns its header (kind, config) without building anything. */
export function readCheckpointHeader(blob: Uint8Array, options: LoadOptions = {}): CheckpointHeader {
  return unpack(blob, options.label ?? 'checkpoint', null).header;
}

function unpack(blob: Uint8Array, label: string, expectedKind: CheckpointKind | null): { header: CheckpointHeader; weights: Uint8Array } {
  // The config is checked by makeRewardModelConfig / makeSoftQConfig when a model is built from it.
  return readNeuralCheckpoint(blob, label, expectedKind) as unknown as { header: CheckpointHeader; weights: Uint8Array };
}

async function restore<M extends { namedWeights(): NamedWeight[]; dispose(): void }>(
  label: string,
  header: CheckpointHeader,
  weights: Uint8Array,
  build: () => M,
): Promise<M> {
  const handler = tf.io.fromMemory({ modelTopology: { kind: header.kind }, weightSpecs: header.weightSpecs, weightData: toArrayBuffer(weights) });
  const artifacts = await handler.load!();
  let decoded: tf.NamedTensorMap;
  try {
    decoded = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
  } catch (err) {
    throw new NeuralCheckpointError(`${label} has unreadable weights: ${(err as Error).message}`);
  }
  let model: M | null = null;
  try {
    model = build();
    const expected = model.namedWeights();
    const extra = Object.keys(decoded).filter((name) => !expected.some((w) => w.name === name));
    if (extra.length > 0) throw new NeuralCheckpointError(`${label} has weights this ${header.kind} does not: ${extra.join(', ')}`);
    for (const w of expected) {
      const t = decoded[w.name];
      if (t === undefined) throw new NeuralCheckpointError(`${label} lacks weight '${w.name}'`);
      if (!tf.util.arraysEqual(t.shape, w.variable.shape)) {
        throw new NeuralCheckpointError(`${label}: weight '${w.name}' has shape [${t.shape.join(', ')}], the config implies [${w.variable.shape.join(', ')}]`);
      }
    }
    // Everything checked: only now write into the fresh model.
    for (const w of expected) w.variable.assign(decoded[w.name]!);
    return model;
  } catch (err) {
    model?.dispose();
    throw err;
  } finally {
    tf.dispose(Object.values(decoded));
  }
}

function checkedConfig<C>(label: string, make: () => C): C {
  try {
    return make();
  } catch (err) {
    throw new NeuralCheckpointError(`${label} has an invalid config: ${(err as Error).message}`);
  }
}

function toArrayBuffer(data: tf.io.WeightData | undefined | Uint8Array): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  // A copy into its own ArrayBuffer: `data` may be a view into a larger one (a Node Buffer from
  // SQLite shares an 8 kB pool, and Buffer#slice returns a view, not a copy).
  if (data instanceof Uint8Array) return new Uint8Array(data).buffer;
  return Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
}

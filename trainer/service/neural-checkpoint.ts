/**
 * Neural checkpoints in the checkpoints table: reward_model = saveCheckpoint(r_x), policy =
 * saveCheckpoint(soft Q, online and target networks) (trainer/models/checkpoint.ts: magic,
 * header, CRC-32, config, every weight's name and shape; the format: trainer/contracts/
 * neural-checkpoint.ts). `format_version` is NEURAL_CHECKPOINT_ROW_FORMAT (1000 + the blob format),
 * which tells them from tabular rows (TABULAR_CHECKPOINT_FORMAT = 1).
 *
 * Loading writes into the run's freshly built models only after both blobs passed every check
 * (and the weights are finite): a torn, altered or mismatched row is never half-used; the caller
 * reports the CheckpointLoadError on the run and tries the previous checkpoint. Optimiser state
 * (Adam moments) is not saved: after a restart the optimisers start cold, with weights warm.
 */
import * as tf from '@tensorflow/tfjs';
import { NEURAL_CHECKPOINT_ROW_FORMAT } from '../contracts/neural-checkpoint';
import { CheckpointError, loadRewardModel, loadSoftQ, saveCheckpoint } from '../models/checkpoint';
import type { NamedWeight } from '../models/mlp';
import { CheckpointLoadError } from '../contracts/tabular-checkpoint';
import type { NeuralModels } from './neural-engine';

export { NEURAL_CHECKPOINT_ROW_FORMAT };

export async function encodeNeuralCheckpoint(models: NeuralModels): Promise<{ rewardModel: Buffer; policy: Buffer }> {
  const toBuffer = (u8: Uint8Array) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  return { rewardModel: toBuffer(await saveCheckpoint(rewardModelOf(models).rewardModel)), policy: toBuffer(await saveCheckpoint(models.lower.q)) };
}

/** The upper level, which every checkpointed learner has: the neural oracle is a simulation baseline the service never trains. */
function rewardModelOf(models: NeuralModels): NonNullable<NeuralModels['upper']> {
  if (!models.upper) throw new Error('the neural oracle has no reward model and no checkpoint format: it is a simulation baseline (contracts/algorithms.ts)');
  return models.upper;
}

/**
 * Copies a checkpoint's weights into `models` (freshly built for the run's current settings).
 * @param label how errors name the row, e.g. "checkpoint 12 (iteration 4) of run 3"
 */
export async function loadNeuralCheckpoint(
  formatVersion: number,
  blobs: { rewardModel: Uint8Array | null; policy: Uint8Array | null },
  models: NeuralModels,
  label: string,
): Promise<void> {
  if (formatVersion !== NEURAL_CHECKPOINT_ROW_FORMAT) {
    throw new CheckpointLoadError(`${label} is format v${formatVersion}; this build reads neural checkpoints of format v${NEURAL_CHECKPOINT_ROW_FORMAT}`);
  }
  if (!blobs.rewardModel) throw new CheckpointLoadError(`${label}: reward model: the blob is missing`);
  if (!blobs.policy) throw new CheckpointLoadError(`${label}: policy: the blob is missing`);
  const rewardLabel = `${label}: reward model`, policyLabel = `${label}: policy`;
  const reward = await loaded(() => loadRewardModel(blobs.rewardModel!, { label: rewardLabel }));
  try {
    const q = await loaded(() => loadSoftQ(blobs.policy!, { label: policyLabel }));
    try {
      const pairs = [
        ...matchWeights(reward.namedWeights(), rewardModelOf(models).rewardModel.namedWeights(), rewardLabel),
        ...matchWeights(q.namedWeights(), models.lower.q.namedWeights(), policyLabel),
      ];
      // Everything checked: only now write into the run's models.
      for (const { from, to } of pairs) to.variable.assign(from.variable);
    } finally {
      q.dispose();
    }
  } finally {
    reward.dispose();
  }
}

async function loaded<M>(load: () => Promise<M>): Promise<M> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof CheckpointError) throw new CheckpointLoadError(error.message);
    throw error;
  }
}

/** Pairs each stored weight with the run's, checking names, shapes (the run's settings) and finiteness. */
function matchWeights(stored: readonly NamedWeight[], target: readonly NamedWeight[], label: string): Array<{ from: NamedWeight; to: NamedWeight }> {
  const byName = new Map(stored.map((w) => [w.name, w]));
  if (stored.length !== target.length) {
    throw new CheckpointLoadError(`${label}: holds ${stored.length} weights but this run's networks have ${target.length} (hidden sizes changed?)`);
  }
  return target.map((to) => {
    const from = byName.get(to.name);
    if (!from) throw new CheckpointLoadError(`${label}: lacks weight '${to.name}'`);
    if (!tf.util.arraysEqual(from.variable.shape, to.variable.shape)) {
      throw new CheckpointLoadError(`${label}: weight '${to.name}' is [${from.variable.shape.join(', ')}] but this run's setup needs [${to.variable.shape.join(', ')}] (env or hidden sizes changed?)`);
    }
    const finite = tf.tidy(() => tf.all(tf.isFinite(from.variable)).dataSync()[0] === 1);
    if (!finite) throw new CheckpointLoadError(`${label}: weight '${to.name}' holds non-finite values`);
    return { from, to };
  });
}

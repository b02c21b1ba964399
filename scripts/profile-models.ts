/**
 * Profile of one update of each neural workload on tfjs (what trainer/models/README.md,
 * "Profile", reports): kernels dispatched, tensors and bytes allocated, host round trips
 * (dataSync / readSync of the backend), and the time of one update on the JS kernel beside it.
 * `npx tsx scripts/profile-models.ts` (TF_BACKEND picks the tfjs backend, default wasm).
 */
import * as tf from '@tensorflow/tfjs';
import { makeRng } from '../trainer/core/rng';
import { useBackend, type BackendName } from '../trainer/models/backend';
import { ReplayBuffer } from '../trainer/models/replay-buffer';
import { RewardModel, type RewardModelConfig } from '../trainer/models/reward-model';
import { makeSegmentBatch } from '../trainer/models/segment-batch';
import { SoftQLearner, type SoftQConfig } from '../trainer/models/soft-q';

const backend = (process.env.TF_BACKEND ?? 'wasm') as BackendName;
await useBackend(backend);
const rng = makeRng(1);
const segments = () => makeSegmentBatch(Array.from({ length: 64 }, () => ({
  observations: Array.from({ length: 25 }, () => Array.from({ length: 4 }, () => rng.normal())),
  actions: Array.from({ length: 25 }, () => rng.int(2)),
})), 4);
const first = segments(), second = segments();
const labels = Float32Array.from({ length: 64 }, () => rng.int(2));
const replay = new ReplayBuffer(10_000, 4);
for (let i = 0; i < 10_000; i++) {
  const o = Array.from({ length: 4 }, () => rng.normal());
  replay.add(o, rng.int(2), o, false);
}
const qConfig: SoftQConfig = { obsSize: 4, numActions: 2, hiddenSizes: [64, 64], activation: 'relu', gamma: 0.99, tau: 0.1, learningRate: 1e-3, targetUpdateRate: 0.01, loss: 'mse', huberDelta: 1, batchSize: 128, seed: 2 };
const rConfig: RewardModelConfig = { obsSize: 4, numActions: 2, hiddenSizes: [64, 64], activation: 'relu', learningRate: 3e-4, weightDecay: 0, ensembleSize: 1, seed: 1 };

let syncs = 0;
const backendImpl = tf.backend() as unknown as { readSync(id: unknown): unknown };
const readSync = backendImpl.readSync.bind(backendImpl);
backendImpl.readSync = (id) => {
  syncs++;
  return readSync(id);
};

async function profile(name: string, work: () => void): Promise<void> {
  work(); // warm-up: optimiser slots, kernel setup
  syncs = 0;
  const info = await tf.profile(work);
  const kinds = new Map<string, number>();
  for (const k of info.kernels) kinds.set(k.name, (kinds.get(k.name) ?? 0) + 1);
  const top = [...kinds.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, n]) => `${k} ${n}`).join(', ');
  process.stdout.write(`${name}: ${info.kernels.length} kernels (${top}), ${info.newTensors} new tensors, ${(info.newBytes / 1024).toFixed(1)} KiB new, peak ${(info.peakBytes / 1024).toFixed(0)} KiB, ${syncs} host reads\n`);
}

function timeIt(work: () => void, n: number): number {
  for (let i = 0; i < 3; i++) work();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) work();
  return (performance.now() - t0) / n;
}

const reward = new RewardModel(rConfig, { kernel: 'tfjs' }), rewardJs = new RewardModel(rConfig, { kernel: 'js' });
const q = new SoftQLearner(qConfig, { kernel: 'tfjs' }), qJs = new SoftQLearner(qConfig, { kernel: 'js' });
await profile(`soft-Q update, tfjs-${backend}`, () => void q.update(replay.sample(128, rng), reward));
await profile(`reward update, tfjs-${backend}`, () => void reward.preferenceStep(first, second, labels));
syncs = 0;
qJs.update(replay.sample(128, rng), rewardJs);
rewardJs.preferenceStep(first, second, labels);
process.stdout.write(`JS kernel: ${syncs} host reads and 0 tfjs kernels per update once warm (weights stay in wasm memory)\n`);
process.stdout.write(`ms per update: soft-Q tfjs ${timeIt(() => void q.update(replay.sample(128, rng), reward), 100).toFixed(2)} / js ${timeIt(() => void qJs.update(replay.sample(128, rng), rewardJs), 500).toFixed(2)}; `
  + `reward tfjs ${timeIt(() => void reward.preferenceStep(first, second, labels), 10).toFixed(2)} / js ${timeIt(() => void rewardJs.preferenceStep(first, second, labels), 50).toFixed(2)}\n`);

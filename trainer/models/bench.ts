import { makeRng } from '../core/rng';
import { activeBackend, initBackend, useBackend, type BackendName } from './backend';
import type { KernelName } from './kernels/select';
import { ReplayBuffer } from './replay-buffer';
import { RewardModel } from './reward-model';
import { makeSegmentBatch, type SegmentBatch } from './segment-batch';
import { SoftQLearner } from './soft-q';

/**
 * Throughput of the two neural workloads on one backend and kernel, at the sizes the cartpole
 * runs use: reward-model updates (64 labelled pairs of 25-step segments, obs 4, 2 actions, the
 * default MLP, Bradley-Terry, Adam 3e-4) and soft-Q updates (batch 128, MSE, relabelled by the
 * reward model) - the shapes of scripts/bench/torch_reference.py. `npm run bench` calls it for
 * every backend and kernel in one process so the ratios are measured under the same load.
 * Restores the previous backend.
 */
export interface ModelBenchResult {
  backend: BackendName;
  kernel: KernelName;
  rewardUpdatesPerSecond: number;
  softQUpdatesPerSecond: number;
  /** The same per second of this process's CPU time: what the rate would be on an idle core (the machine is shared). */
  rewardUpdatesPerCpuSecond: number;
  softQUpdatesPerCpuSecond: number;
}

export interface ModelBenchOptions {
  /** Scales the measuring time (the CLI's --quick passes 0.1). Default 1 = ~2 s per workload. */
  scale?: number;
  /** Which kernel runs the updates (default: tfjs on `backend`). */
  kernel?: KernelName;
  /** Hidden widths of both networks (default [64, 64], the trainer's). */
  hiddenSizes?: number[];
}

const OBS_SIZE = 4, NUM_ACTIONS = 2, PAIRS = 64, SEGMENT_LENGTH = 25, Q_BATCH = 128;

export async function benchModels(backend: BackendName, options: ModelBenchOptions = {}): Promise<ModelBenchResult> {
  const seconds = Math.max(0.2, 2 * (options.scale ?? 1));
  const kernel = options.kernel ?? 'tfjs', hiddenSizes = options.hiddenSizes ?? [64, 64];
  await initBackend(); // the process's own choice, made and logged once, is what we restore
  const previous = activeBackend();
  await useBackend(backend);
  try {
    const rng = makeRng(7);
    const randomBatch = (): SegmentBatch =>
      makeSegmentBatch(
        Array.from({ length: PAIRS }, () => ({
          observations: Array.from({ length: SEGMENT_LENGTH }, () => Array.from({ length: OBS_SIZE }, () => rng.normal())),
          actions: Array.from({ length: SEGMENT_LENGTH }, () => rng.int(NUM_ACTIONS)),
        })),
        OBS_SIZE,
      );
    const first = randomBatch(), second = randomBatch();
    const labels = Float32Array.from({ length: PAIRS }, () => [0, 0.5, 1][rng.int(3)]!);
    const rewardModel = new RewardModel({ obsSize: OBS_SIZE, numActions: NUM_ACTIONS, hiddenSizes, activation: 'relu', learningRate: 3e-4, weightDecay: 0, ensembleSize: 1, seed: 1 }, { kernel });
    const softQ = new SoftQLearner({
      obsSize: OBS_SIZE, numActions: NUM_ACTIONS, hiddenSizes, activation: 'relu', gamma: 0.99, tau: 0.1,
      learningRate: 1e-3, targetUpdateRate: 0.01, loss: 'mse', huberDelta: 1, batchSize: Q_BATCH, seed: 2,
    }, { kernel });
    const replay = new ReplayBuffer(10_000, OBS_SIZE);
    for (let i = 0; i < 10_000; i++) {
      const o = Array.from({ length: OBS_SIZE }, () => rng.normal());
      replay.add(o, rng.int(NUM_ACTIONS), o.map((v) => v + 0.1 * rng.normal()), rng.next() < 0.01);
    }
    try {
      const reward = rate(seconds, () => rewardModel.preferenceStep(first, second, labels));
      // The reward model relabels every batch, as in training.
      const softQ_ = rate(seconds, () => softQ.update(replay.sample(Q_BATCH, rng), rewardModel));
      return {
        backend, kernel, rewardUpdatesPerSecond: reward.perSecond, softQUpdatesPerSecond: softQ_.perSecond,
        rewardUpdatesPerCpuSecond: reward.perCpuSecond, softQUpdatesPerCpuSecond: softQ_.perCpuSecond,
      };
    } finally {
      rewardModel.dispose();
      softQ.dispose();
    }
  } finally {
    if (previous !== backend && (previous === 'wasm' || previous === 'cpu' || previous === 'tensorflow')) await useBackend(previous);
  }
}

/**
 * Calls `work` (which reads a value back, so the backend has finished) until `seconds` pass;
 * returns updates per wall-clock second and per second of this process's CPU time.
 */
function rate(seconds: number, work: () => number): { perSecond: number; perCpuSecond: number } {
  for (let i = 0; i < 2; i++) work(); // warm-up: kernel compilation, optimiser slots
  let n = 0;
  const t0 = performance.now(), cpu0 = process.cpuUsage();
  let elapsed = 0;
  while (n < 3 || elapsed < seconds * 1000) {
    work();
    n++;
    elapsed = performance.now() - t0;
  }
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: n / (elapsed / 1000), perCpuSecond: n / ((cpu.user + cpu.system) / 1e6) };
}

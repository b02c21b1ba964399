import { makeRng } from '../core/rng';
import type { Env } from '../envs/types';
import { DEFAULT_NEURAL_STOC_SOBIRL, makeNeuralStocSobirl } from '../algorithms/neural/stoc-sobirl';
import type { PairBatch } from '../algorithms/neural/neural-rlhf';
import { activeBackend, initBackend, useBackend, type BackendName } from '../models/backend';
import type { KernelName } from '../models/kernels/select';
import { RewardModel, makeRewardModelConfig } from '../models/reward-model';
import { makeSegmentBatch } from '../models/segment-batch';

/**
 * Throughput of the upper-level paths that moved onto the dense-MLP kernel last (`npm run
 * bench` prints them for the kernel and for tfjs-wasm, the old path, side by side):
 * - the service's query ensemble (trainer/service/neural-engine.ts QueryEnsemble): one fit step,
 *   5 members of [32], a mini-batch of 64 labelled pairs of 25 steps, each member with its own
 *   Poisson bootstrap weights, Adam 1e-3 with weight decay, plus scoring 512 candidate pairs;
 * - Stoc-SoBiRL's inner step (trainer/algorithms/neural/stoc-sobirl.ts) on the default reward
 *   net [64, 64]: the exploitation gradient at the current and at the previous weights on a
 *   mini-batch of 64 of 256 labels, the STORM combination and the plain step (exploration off,
 *   which needs rollouts in an env: its gradient is the same linear-gradient call SoBiRL's is).
 */
export interface UpperBenchResult {
  ensembleStepsPerSecond: number;
  ensembleScoresPerSecond: number;
  stocSobirlStepsPerSecond: number;
}

const OBS = 4, ACTIONS = 2, H = 25;

export async function benchUpperLevels(backend: BackendName, kernel: KernelName, scale = 1): Promise<UpperBenchResult> {
  const seconds = Math.max(0.2, 2 * scale);
  await initBackend();
  const previous = activeBackend();
  await useBackend(backend);
  const saved = process.env.SOBIRL_KERNEL;
  process.env.SOBIRL_KERNEL = kernel; // Stoc-SoBiRL builds its reward model with the process's choice
  try {
    const rng = makeRng(3);
    const segments = (count: number) => makeSegmentBatch(Array.from({ length: count }, () => ({
      observations: Array.from({ length: H }, () => Array.from({ length: OBS }, () => rng.normal())),
      actions: Array.from({ length: H }, () => rng.int(ACTIONS)),
    })), OBS, H);
    const pairs = (count: number): PairBatch => ({ first: segments(count), second: segments(count), y: Float32Array.from({ length: count }, () => [0, 0.5, 1][rng.int(3)]!), count });

    const ensemble = new RewardModel(makeRewardModelConfig({ obsSize: OBS, numActions: ACTIONS, hiddenSizes: [32], ensembleSize: 5, learningRate: 1e-3, weightDecay: 1e-2, seed: 4 }), { kernel });
    const fit = pairs(64), candidates = pairs(512);
    const weights = Float32Array.from({ length: 5 * 64 }, () => [0, 1, 1, 2][rng.int(4)]!);
    const stoc = makeNeuralStocSobirl(OBS, ACTIONS, 5, 0.99, 0.05, { ...DEFAULT_NEURAL_STOC_SOBIRL, upperSteps: 10, exploreWarmup: Number.MAX_SAFE_INTEGER });
    const all = pairs(256);
    const input = { env: null as unknown as Env, all, fresh: all, freshPairs: [], policy: () => new Float32Array(0), k: 0 };
    try {
      const step = rate(seconds, () => ensemble.bootstrapPreferenceStep(fit.first, fit.second, fit.y, weights, 0.1 / (H * H)));
      const score = rate(seconds, () => ensemble.preferenceDisagreement(candidates.first, candidates.second)[0]!);
      const upper = await rateAsync(seconds, async () => (await stoc.update(input))['loss/objective']);
      return { ensembleStepsPerSecond: step, ensembleScoresPerSecond: score, stocSobirlStepsPerSecond: upper * 10 };
    } finally {
      ensemble.dispose();
      stoc.dispose();
    }
  } finally {
    if (saved === undefined) delete process.env.SOBIRL_KERNEL;
    else process.env.SOBIRL_KERNEL = saved;
    if (previous !== backend && (previous === 'wasm' || previous === 'cpu' || previous === 'tensorflow')) await useBackend(previous);
  }
}

/** Calls per wall-clock second of `work` (which reads a value back), after two warm-up calls. */
function rate(seconds: number, work: () => number): number {
  for (let i = 0; i < 2; i++) work();
  let n = 0;
  const t0 = performance.now();
  while (n < 3 || performance.now() - t0 < seconds * 1000) {
    work();
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

async function rateAsync(seconds: number, work: () => Promise<number>): Promise<number> {
  for (let i = 0; i < 2; i++) await work();
  let n = 0;
  const t0 = performance.now();
  while (n < 3 || performance.now() - t0 < seconds * 1000) {
    await work();
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

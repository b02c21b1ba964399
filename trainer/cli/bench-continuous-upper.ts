import { makeRng } from '../core/rng';
import { getContinuousEnv } from '../envs';
import type { AnyContinuousEnv } from '../envs/types';
import { prepareEnv } from '../mujoco/load';
import { explorationCoefficients, miniBatchIndices } from '../algorithms/neural/neural-rlhf';
import { ContinuousLearner, makeContinuousUpperLevel } from '../algorithms/continuous/learner';
import { subPairBatch, type ContinuousRewardModel } from '../algorithms/continuous/reward-model';
import { DEFAULT_CONTINUOUS_SCHEDULE } from '../algorithms/continuous/run-config';
import {
  explorationRowsFor, makeContinuousRewardModel, norm,
  type ContinuousUpperConfig, type ContinuousUpperInput, type ContinuousUpperLevel, type GradientEstimate,
} from '../algorithms/continuous/upper-level';

/**
 * One continuous upper level (50 steps, 200 labels, 20 fresh pairs of 25 steps, the default
 * exploration rows: 20 x 2 x 3 x 5 x 10 = 6,000) on the production path, which packs the labels
 * and the exploration rows into network inputs once per level and looks the exploration half up
 * where it was already computed at the same weights (trainer/algorithms/continuous/exploration-term.ts),
 * beside the reference below, the path before that cache, alternating in one process so a load
 * change hits both. `npm run bench` prints the milliseconds per upper level and the ratio.
 */

/**
 * The upper levels' per-step path before the cache, kept as the reference the cache is checked
 * against (continuous-upper-cache.test.ts) and timed against (here): every step re-packs its
 * mini-batch and the fresh pairs, and computes the exploration half at every evaluation.
 */
export function makeReferenceUpperLevel(name: 'sobirl' | 'stoc-sobirl', env: AnyContinuousEnv, config: ContinuousUpperConfig, seed: number): Pick<ContinuousUpperLevel, 'rewardModel' | 'update'> {
  const model = makeContinuousRewardModel(env, config, seed);
  let h: Float32Array | null = null, previous: Float32Array | null = null, t = 0;
  const estimate = (input: ContinuousUpperInput, batch: ReturnType<typeof subPairBatch>, rows: ReturnType<typeof explorationRowsFor>): GradientEstimate => {
    const exploit = model.exploitationGradient(batch, config.rewardL2);
    const exploitNorm = norm(exploit.grad);
    if (!rows || !input.fresh) return { loss: exploit.value, g: exploit.grad, exploitNorm, exploreNorm: 0 };
    const coef = explorationCoefficients(model.pairLosses(input.fresh), input.tau, config.baseline);
    const w = Float32Array.from(rows.weights, (v, i) => v * coef[rows.pair[i]!]!);
    const explore = model.linearGradient(rows.obs, rows.actions, w, rows.count);
    const raw = config.exploreCoef * norm(explore);
    const scale = raw > config.exploreClip * exploitNorm ? (config.exploreClip * exploitNorm) / raw : 1;
    return { loss: exploit.value, g: Float32Array.from(exploit.grad, (v, i) => v + config.exploreCoef * scale * explore[i]!), exploitNorm, exploreNorm: scale * raw };
  };
  return {
    rewardModel: model,
    async update(input) {
      const rows = explorationRowsFor(input, config);
      for (let step = 0; step < config.upperSteps; step++, t++) {
        const batch = subPairBatch(input.all, miniBatchIndices(input.all.count, config.batchSize, input.rng));
        const now = estimate(input, batch, rows);
        if (name === 'sobirl') {
          model.applyGradient(now.g);
          continue;
        }
        const beta = config.beta0 / Math.cbrt(t + 1);
        let direction = now.g;
        if (h && previous) {
          const mu = Math.min(1, config.muScale * beta * beta);
          const current = model.net.params().slice();
          model.net.setParams(previous);
          const old = estimate(input, batch, rows);
          model.net.setParams(current);
          const hPrev = h;
          direction = Float32Array.from(now.g, (v, i) => v + (1 - mu) * (hPrev[i]! - old.g[i]!));
        }
        h = direction;
        previous = model.net.params().slice();
        model.applyPlainStep(h, beta);
      }
      return { 'loss/preference': model.meanPairLoss(input.all), 'loss/objective': 0, 'hypergrad/norm': 0, 'hypergrad/exploit': 0, 'hypergrad/explore': 0 };
    },
  };
}

/** A learner on `envId` with 1,000 env steps collected and `labels` random labels, 20 of them fresh. */
export async function upperBenchInput(envId: string, labels = 200, seed = 1): Promise<{ env: AnyContinuousEnv; input: (rngSeed: number) => ContinuousUpperInput; model: ContinuousRewardModel }> {
  const env = getContinuousEnv(envId);
  await prepareEnv(env);
  const learner = new ContinuousLearner(env, 'sobirl', { gamma: 0.99, tau: 0.2, seed }, DEFAULT_CONTINUOUS_SCHEDULE, seed * 7 + 1);
  await learner.collect(1000);
  const rng = makeRng(seed * 13 + 5);
  const pairs = learner.candidatePairs(labels, 25, rng).map(([first, second]) => ({ first, second, y: [0, 0.5, 1][rng.int(3)]! }));
  const packed = learner.packLabels(pairs, pairs.slice(-20), 25)!;
  return {
    env,
    model: learner.rewardModel,
    input: (rngSeed) => ({ env, all: packed.all, fresh: packed.fresh, freshPairs: packed.freshPairs, policy: learner.lower.policy, tau: 0.2, gamma: 0.99, k: 5, rng: makeRng(rngSeed) }),
  };
}

export interface ContinuousUpperBenchRow {
  env: string;
  algorithm: 'sobirl' | 'stoc-sobirl';
  cachedMs: number;
  referenceMs: number;
  /** CPU milliseconds of the process per level (steadier than wall time on a shared machine). */
  cachedCpuMs: number;
  referenceCpuMs: number;
}

/** Milliseconds per upper level, cached and reference, `rounds` alternations each. */
export async function benchContinuousUpper(envIds: readonly string[], rounds: number): Promise<ContinuousUpperBenchRow[]> {
  const out: ContinuousUpperBenchRow[] = [];
  for (const envId of envIds) {
    const { env, input } = await upperBenchInput(envId);
    const schedule = { ...DEFAULT_CONTINUOUS_SCHEDULE, upper: { ...DEFAULT_CONTINUOUS_SCHEDULE.upper, exploreWarmup: 0 } };
    for (const algorithm of ['sobirl', 'stoc-sobirl'] as const) {
      const cached = makeContinuousUpperLevel(algorithm, env, schedule, 1)!;
      const reference = makeReferenceUpperLevel(algorithm, env, schedule.upper, 1);
      const wall = { cached: 0, reference: 0 }, cpu = { cached: 0, reference: 0 };
      // One untimed level each (JIT warm-up), then alternating timed ones.
      for (let r = 0; r <= rounds; r++) {
        for (const [label, level] of [['cached', cached], ['reference', reference]] as const) {
          const t0 = performance.now(), c0 = process.cpuUsage();
          await level.update(input(100 + r));
          const c = process.cpuUsage(c0);
          if (r === 0) continue;
          wall[label] += (performance.now() - t0) / rounds;
          cpu[label] += (c.user + c.system) / 1000 / rounds;
        }
      }
      out.push({ env: envId, algorithm, cachedMs: wall.cached, referenceMs: wall.reference, cachedCpuMs: cpu.cached, referenceCpuMs: cpu.reference });
    }
  }
  return out;
}

/**
 * The continuous RLHF loop with a scripted teacher, in memory (no database): what the trainer
 * service does per outer iteration (trainer/service/continuous-run.ts), run start to finish on
 * one seed. The tuning harness (trainer/cli/continuous-tune.ts) and the learning test call it;
 * `simulate` reaches the same learner through the service's engine.
 */
import { makeRng } from '../../core/rng';
import type { AnyContinuousEnv } from '../../envs/types';
import type { AlgorithmName } from '../../contracts/algorithms';
import type { Segment } from '../../preference/types';
import type { Teacher } from '../../teachers';
import type { ContinuousLabeledPair, ContinuousSegment } from './experience';
import { ContinuousLearner } from './learner';
import type { ContinuousSchedule } from './run-config';

export interface ContinuousLoopOptions {
  env: AnyContinuousEnv;
  algorithm: AlgorithmName;
  schedule: ContinuousSchedule;
  gamma: number;
  tau: number;
  horizon: number;
  pairsPerIter: number;
  /** Label budget (the oracle runs the same number of iterations without labels). */
  labels: number;
  teacher: Teacher;
  seed: number;
  /** Evaluation episodes of the final point. */
  finalEvalEpisodes: number;
  onIteration?: (k: number, metrics: Record<string, number>) => void;
}

export interface ContinuousLoopResult {
  curve: Array<{ iteration: number; labels: number; envSteps: number; metrics: Record<string, number> }>;
  final: Record<string, number>;
  seconds: number;
}

/** The teacher judges a clip by its true rewards only; it gets them in the discrete Segment shape. */
export function teacherView(seg: ContinuousSegment): Segment {
  return { envId: seg.envId, states: seg.states, actions: seg.actions.map(() => 0), trueRewards: seg.trueRewards, logProbs: seg.logProbs, done: seg.done };
}

export async function runContinuousLoop(o: ContinuousLoopOptions): Promise<ContinuousLoopResult> {
  const started = performance.now();
  const learner = new ContinuousLearner(o.env, o.algorithm, { gamma: o.gamma, tau: o.tau, seed: o.seed }, o.schedule, o.seed * 7 + 1);
  const labels: ContinuousLabeledPair[] = [];
  const rng = makeRng(o.seed * 31 + 17), teacherRng = makeRng(o.seed * 53 + 3), evalRng = makeRng(o.seed * 97 + 11);
  await learner.collect(Math.max(o.schedule.envStepsPerIter, o.schedule.lower.minReplay));
  let envSteps = learner.pool.length;
  const iterations = Math.ceil(o.labels / o.pairsPerIter);
  const curve: ContinuousLoopResult['curve'] = [];
  for (let k = 0; k < iterations; k++) {
    const metrics: Record<string, number> = {};
    if (learner.upper) {
      const fresh: ContinuousLabeledPair[] = [];
      for (const [a, b] of learner.candidatePairs(Math.min(o.pairsPerIter, o.labels - labels.length), o.horizon, rng)) {
        const answer = o.teacher.label(teacherView(a), teacherView(b), teacherRng);
        if (answer.kind === 'label') fresh.push({ first: a, second: b, y: answer.y });
      }
      labels.push(...fresh);
      const packed = learner.packLabels(labels, fresh, o.horizon);
      const t0 = performance.now();
      if (packed) Object.assign(metrics, await learner.updateReward(packed, k, makeRng(o.seed * 1009 + k)));
      metrics['time/upper_s'] = (performance.now() - t0) / 1000;
    }
    const t1 = performance.now();
    Object.assign(metrics, await learner.updatePolicy(rng));
    metrics['time/lower_s'] = (performance.now() - t1) / 1000;
    envSteps += (await learner.collect(o.schedule.envStepsPerIter)).length;
    Object.assign(metrics, learner.evaluate(o.schedule.evalEpisodes, evalRng));
    curve.push({ iteration: k + 1, labels: labels.length, envSteps, metrics });
    o.onIteration?.(k + 1, metrics);
  }
  const final = learner.evaluate(o.finalEvalEpisodes, evalRng);
  return { curve, final, seconds: (performance.now() - started) / 1000 };
}

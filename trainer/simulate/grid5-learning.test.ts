import { describe, expect, it } from 'vitest';
import { simulate } from './simulate';
import type { AlgorithmName, SimulateOptions } from './types';

// The protocol: Bradley-Terry teacher (beta 5), 12-step segments from uniformly random
// start states, gamma 0.9, tau 0.1, 8 pairs per iteration, 480 labels, 4 seeds; true return by
// exact policy evaluation from a uniform start.
const protocol = (algo: AlgorithmName): SimulateOptions => ({
  env: 'grid5', algo, labels: 480, seeds: 4, pairsPerIter: 8, horizon: 12, gamma: 0.9, tau: 0.1,
  features: 'state', teacher: { beta: 5 },
});

describe('learning on grid5 from a scripted Bradley-Terry teacher', () => {
  it('SoBiRL reaches >= 95% of the oracle and is not below DRLHF', async () => {
    const [sobirl, drlhf] = await Promise.all([simulate(protocol('sobirl')), simulate(protocol('drlhf'))]);
    const start = sobirl.curve[0]![1];
    expect(sobirl.oracleReturn!).toBeGreaterThan(start + 3); // the task is not trivial
    expect(sobirl.finalReturn.mean).toBeGreaterThanOrEqual(0.95 * sobirl.oracleReturn!);
    // Both learners end at the oracle's level here (see README): SoBiRL must not fall behind.
    expect(sobirl.finalReturn.mean).toBeGreaterThanOrEqual(drlhf.finalReturn.mean - 0.01 * Math.abs(drlhf.oracleReturn!));
    expect(sobirl.curve[sobirl.curve.length - 1]![0]).toBe(480);
  });

  // The clip-suffix G ('suffix') is not asserted to learn: its noise is correlated with the
  // clip's own loss, which biases the exploration half (README, grid5 results). The rollout G
  // learns in most seeds but collapses in some (README: seeds 0-7 mean 4.39 +- 2.58 against the
  // oracle's 5.86, and 4.21 +- 2.75 with the random streams before simulate ran the service's
  // engines), so the test asks for half the seeds, not the mean of two.
  it('SoBiRL learns with G from simulator rollouts restarted at the stored states (at least half the seeds)', async () => {
    const report = await simulate({ ...protocol('sobirl'), seeds: 4, gradient: 'rollout' });
    const learned = report.runs.filter((run) => run.finalReturn >= 0.9 * report.oracleReturn!);
    expect(learned.length).toBeGreaterThanOrEqual(2);
  }, 360_000); // four seeds of 16 rollouts per step: ~50 s of CPU, 208 s of wall at load 28

  it('Stoc-SoBiRL and M-SoBiRL learn well above the random policy', async () => {
    for (const algo of ['stoc-sobirl', 'm-sobirl'] as const) {
      const report = await simulate({ ...protocol(algo), seeds: 2 });
      const start = report.curve[0]![1];
      expect(report.finalReturn.mean - start).toBeGreaterThan(0.5 * (report.oracleReturn! - start));
    }
  });
});

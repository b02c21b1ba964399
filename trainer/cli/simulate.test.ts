import { describe, expect, it } from 'vitest';
import { main } from '../cli';

function capture() {
  const out: string[] = [], err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

describe('sobirl simulate', () => {
  it('prints one JSON object with the documented fields', async () => {
    const { io, out } = capture();
    const code = await main(['simulate', '--env', 'grid5', '--algo', 'sobirl', '--labels', '24', '--seeds', '2', '--json'], io);
    expect(code).toBe(0);
    const report = JSON.parse(out.join(''));
    expect(Object.keys(report).sort()).toEqual(['algo', 'curve', 'env', 'finalReturn', 'labels', 'oracleReturn', 'perSeed', 'querySelection', 'randomReturn', 'seeds', 'teacher']);
    expect(report.perSeed.map((s: { seed: number }) => s.seed)).toEqual([0, 1]);
    expect(report).toMatchObject({ env: 'grid5', algo: 'sobirl', labels: 24, seeds: 2, teacher: 'true-reward', querySelection: 'uniform' });
    // The uniform policy, evaluated exactly: below the oracle, and at the README's 0.00 on grid5.
    expect(report.randomReturn).toBeCloseTo(0, 6);
    expect(report.curve[0][0]).toBe(0);
    expect(report.curve.at(-1)[0]).toBe(24);
    expect(Number.isFinite(report.finalReturn.mean) && report.finalReturn.std >= 0).toBe(true);
    expect(report.oracleReturn).toBeGreaterThan(report.curve[0][1]);
  });

  it.each([
    [['--env', 'nope', '--algo', 'sobirl', '--labels', '8'], /--env: unknown environment/],
    [['--env', 'grid5', '--algo', 'ppo', '--labels', '8'], /--algo/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels=-3'], /--labels: must be a positive integer, got '-3'/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels', '0.5'], /--labels: must be a positive integer/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels', '8', '--gamma', '1'], /--gamma: must be in \[0, 1\)/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels', '8', '--bogus'], /bogus/],
    [['--env', 'cartpole', '--algo', 'm-sobirl', '--labels', '8'], /m-sobirl is model-based and needs a tabular environment/],
    [['--env', 'cartpole', '--algo', 'pbrl', '--labels', '8'], /pbrl is model-based and needs a tabular environment/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels', '8', '--start', '25'], /--start: must be 'uniform', 'far' or a state index in \[0, 24\] of grid5, got '25'/],
    [['--env', 'cartpole', '--algo', 'sobirl', '--labels', '8', '--start', 'far'], /--start applies to tabular environments only/],
    [['--env', 'mountaincar', '--algo', 'sobirl', '--labels', '8', '--algo-config', '{"exploreCoeff":1}'], /--algo-config: 'exploreCoeff' is not a setting of sobirl; known: .*exploreCoef/],
    [['--env', 'mountaincar', '--algo', 'drlhf', '--labels', '8', '--algo-config', '{"upperSteps":0.5}'], /--algo-config: drlhf.upperSteps: /],
    [['--env', 'pendulum', '--algo', 'sobirl', '--labels', '8', '--algo-config', '{"exploreCoef":1}'], /--algo-config applies to tabular and discrete neural environments; 'pendulum' is continuous/],
    [['--env', 'mountaincar', '--algo', 'sobirl', '--labels', '8', '--neural', '{"updates":1}'], /--neural: 'updates' is not a neural setting; known: .*updatesPerIter/],
    [['--env', 'mountaincar', '--algo', 'sobirl', '--labels', '8', '--neural', '{"updatesPerIter":-1}'], /--neural: updatesPerIter: /],
    [['--env', 'mountaincar', '--algo', 'sobirl', '--labels', '8', '--neural', '{"updatesPerIter"'], /--neural: not valid JSON/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels', '8', '--neural', '{}'], /--neural applies to neural and continuous environments only/],
    [['--env', 'mountaincar', '--algo', 'sobirl', '--labels', '8', '--query-selection', 'best'], /--query-selection/],
    [['--env', 'mountaincar', '--algo', 'sobirl', '--labels', '8', '--oversample', '3'], /--oversample .*needs --query-selection disagreement/],
    [['--env', 'mountaincar', '--algo', 'sobirl', '--labels', '8', '--query-selection', 'disagreement', '--oversample', '0'], /--oversample: must be an integer in \[1, 100\]/],
    [['--env', 'mountaincar', '--algo', 'sobirl', '--labels', '8', '--progress-weight', '5'], /--progress-weight weighs the scripted judgement: it needs --teacher scripted/],
    [['--env', 'mountaincar', '--algo', 'sobirl', '--labels', '8', '--teacher', 'scripted', '--progress-weight', '2000'], /--progress-weight: must be in \[0, 1000\]/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels', '8', '--algo-config', '{"exploreCoeff":1}'], /--algo-config: 'exploreCoeff' is not a setting of sobirl; known: .*exploreCoef/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels', '8', '--algo-config', '{"exploreCoef":"big"}'], /--algo-config: sobirl.exploreCoef must be a number/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels', '8', '--algo-config', '{"exploreData":"old"}'], /exploreData must be one of fresh, weighted/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels', '8', '--algo-config', '[1'], /--algo-config: not valid JSON/],
    [['--env', 'cartpole', '--algo', 'sobirl', '--labels', '8', '--teacher', 'scripted'], /--teacher scripted: 'cartpole' has no scripted judgement.*mountaincar, acrobot/],
    [['--env', 'mountaincar', '--algo', 'sobirl', '--labels', '8', '--teacher', 'person'], /--teacher/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels', '8', '--seeds', '2', '--seed-list', '0,1'], /--seeds and --seed-list: give one of them/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels', '8', '--seed-list', '0,x'], /--seed-list: 'x' is not a seed or a range/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels', '8', '--seed-list', '5-3'], /--seed-list: the range '5-3' ends before it starts/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels', '8', '--seed-list', '1,0-2'], /--seed-list: seed 1 is listed twice/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels', '8', '--seed-list', '0-5000'], /--seed-list: at most 1,000 seeds/],
    [['--env', 'pendulum', '--algo', 'sobirl', '--labels', '8', '--neural', '{"collectEpisodeSteps":0}'], /--neural: collectEpisodeSteps: /],
    [['--env', 'pendulum', '--algo', 'sobirl', '--labels', '8', '--neural', '{"collectEpisodeStep":50}'], /--neural: .*collectEpisodeStep/],
    [['--env', 'pendulum', '--algo', 'sobirl', '--labels', '8', '--neural', '{'], /--neural: not valid JSON/],
    [['--env', 'pendulum', '--algo', 'sobirl', '--labels', '8', '--equal-threshold=-1'], /--equal-threshold: must be in \[0, 1e6\]/],
    [['--env', 'grid5', '--algo', 'sobirl', '--labels', '8', '--neural', '{}'], /--neural applies to neural and continuous environments only/],
  ])('rejects bad flags with exit code 2 (%j)', async (flags, message) => {
    const { io, err } = capture();
    expect(await main(['simulate', ...flags], io)).toBe(2);
    expect(err.join('')).toMatch(message);
  });

  it('--seed-list runs exactly those seeds, each as it runs alone; --no-oracle leaves the oracle line out', async () => {
    const run = async (flags: string[]) => {
      const { io, out } = capture();
      expect(await main(['simulate', '--env', 'grid5', '--algo', 'drlhf', '--labels', '16', ...flags, '--json'], io)).toBe(0);
      return JSON.parse(out.join(''));
    };
    const listed = await run(['--seed-list', '3,1', '--no-oracle']);
    expect(listed.perSeed.map((s: { seed: number }) => s.seed)).toEqual([3, 1]);
    expect(listed.seeds).toBe(2);
    expect(listed.oracleReturn).toBeNull();
    // A seed's run does not depend on which other seeds ran with it: seed 1 of 0..1 is seed 1 here.
    const counted = await run(['--seeds', '2']);
    expect(counted.oracleReturn).toEqual(expect.any(Number));
    expect(listed.perSeed[1].finalReturn).toBe(counted.perSeed[1].finalReturn);
  });

  it('--start far: the oracle line is the return from the far state, not the uniform one', async () => {
    const returns: number[] = [];
    for (const start of ['uniform', 'far']) {
      const { io, out } = capture();
      expect(await main(['simulate', '--env', 'grid5', '--algo', 'pbrl', '--labels', '16', '--start', start, '--json'], io)).toBe(0);
      returns.push(JSON.parse(out.join('')).oracleReturn);
    }
    // Exact evaluation of soft VI's policy from each start (5.860 uniform, 3.562 from the top-left corner).
    expect(returns[0]).toBeCloseTo(5.8605, 3);
    expect(returns[1]).toBeCloseTo(3.5616, 3);
  });

  it('continuous env: --seed-list runs those seeds, --no-oracle leaves the oracle out, the JSON carries the deterministic tanh(mu) return', async () => {
    // A tiny schedule through --neural: the report's fields, not the learning, are under test.
    const neural = JSON.stringify({ envStepsPerIter: 100, updatesPerIter: 10, evalEpisodes: 1, hiddenSizes: [8], minReplay: 50 });
    const flags = ['simulate', '--env', 'pendulum', '--algo', 'drlhf', '--labels', '8', '--pairs-per-iter', '8', '--horizon', '10', '--neural', neural, '--no-oracle'];
    const { io, out } = capture();
    expect(await main([...flags, '--seed-list', '3,5', '--json'], io)).toBe(0);
    const report = JSON.parse(out.join(''));
    expect(report.seeds).toBe(2);
    expect(report.oracleReturn).toBeNull();
    expect(report.perSeed.map((s: { seed: number }) => s.seed)).toEqual([3, 5]);
    // Each seed's greedy return is that seed's own run: the same seed alone gives the same figure.
    const alone = capture();
    expect(await main([...flags, '--seed-list', '5', '--json'], alone.io)).toBe(0);
    const five = JSON.parse(alone.out.join(''));
    expect(five.perSeed[0].finalGreedyReturn).toBe(report.perSeed[1].finalGreedyReturn);
    expect(five.perSeed[0].finalReturn).toBe(report.perSeed[1].finalReturn);
    const greedy = report.perSeed.map((s: { finalGreedyReturn: number }) => s.finalGreedyReturn);
    for (const g of greedy) expect(g).toBeLessThanOrEqual(0); // pendulum's reward is <= 0
    expect(report.finalGreedyReturn.mean).toBeCloseTo((greedy[0] + greedy[1]) / 2, 10);
    expect(report.finalGreedyReturn.std).toBeCloseTo(Math.abs(greedy[0] - greedy[1]) / Math.SQRT2, 10);
    // The text report prints the same figure.
    const text = capture();
    expect(await main([...flags, '--seed-list', '5'], text.io)).toBe(0);
    expect(text.out.join('')).toContain(`deterministic tanh(mu) policy ${five.finalGreedyReturn.mean.toFixed(3)}`);
    expect(text.out.join('')).toContain('oracle not run');
  }, 120_000);

  it('--equal-threshold: the teacher answers "equal" between clips that close in return, and the report says so', async () => {
    const run = async (extra: string[]) => {
      const { io, out } = capture();
      expect(await main(['simulate', '--env', 'grid5', '--algo', 'drlhf', '--labels', '24', '--no-oracle', '--json', ...extra], io)).toBe(0);
      return JSON.parse(out.join(''));
    };
    const plain = await run([]);
    // Every pair "equal" (grid5's clip returns differ by at most 12): the preference gradient
    // sigma(d) - y vanishes at the untrained reward d = 0, so the policy never leaves its start.
    const equal = await run(['--equal-threshold', '1000']);
    expect(equal.equalThreshold).toBe(1000);
    expect(plain.equalThreshold).toBeUndefined();
    for (const [, r] of equal.curve as Array<[number, number]>) expect(r).toBeCloseTo(equal.curve[0][1], 9);
    expect(plain.finalReturn.mean).toBeGreaterThan(plain.curve[0][1] + 0.1);
  });

  it('rejects an unknown command with exit code 2', async () => {
    const { io, err } = capture();
    expect(await main(['train'], io)).toBe(2);
    expect(err.join('')).toMatch(/unknown command 'train'/);
  });
});

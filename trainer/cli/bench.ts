import { makeRng } from '../core/rng';
import { ENVS } from '../envs';
import { softValueIteration, evaluatePolicy } from '../tabular/soft';
import { parseFlags, type CliIo } from './args';
import { benchContinuousEnvs } from './bench-continuous-envs';

/**
 * `npm run sobirl -- bench`: throughput figures, measured side by side in one run so the ratios
 * mean something on a shared, noisy machine.
 */
export async function runBench(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, { quick: { type: 'boolean' }, json: { type: 'boolean' }, wide: { type: 'boolean' }, 'no-torch': { type: 'boolean' } });
  const scale = flags.quick ? 0.1 : 1;
  const results: Record<string, number | string> = {};

  // 1. Environment steps per second (random actions, pure-function envs).
  for (const env of Object.values(ENVS)) {
    const rng = makeRng(1);
    const steps = Math.round(200_000 * scale);
    let state = env.reset(rng);
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) {
      const r = env.step(state, rng.int(env.actionNames.length), rng);
      state = r.done ? env.reset(rng) : r.state;
    }
    results[`env/${env.id}/steps_per_s`] = Math.round(steps / ((performance.now() - t0) / 1000));
  }
  // 1b. The continuous-action envs (pendulum, the MuJoCo tasks): bench-continuous-envs.ts.
  Object.assign(results, await benchContinuousEnvs(Math.max(0.3, 3 * scale)));

  // 2. Tabular solver on S = 1,000, A = 4 (random sparse transitions): soft VI to 1e-8 and one
  //    exact policy evaluation (a dense 1,000 x 1,000 solve).
  {
    const S = 1000, A = 4, rng = makeRng(2);
    const P = new Float64Array(S * A * S);
    const r = new Float64Array(S * A);
    for (let sa = 0; sa < S * A; sa++) {
      r[sa] = rng.normal();
      let total = 0;
      const support = Array.from({ length: 5 }, () => rng.int(S));
      for (const s2 of support) { const w = rng.next() + 0.01; P[sa * S + s2] = P[sa * S + s2]! + w; total += w; }
      for (const s2 of support) P[sa * S + s2] = P[sa * S + s2]! / total;
    }
    const mdp = { S, A, P, gamma: 0.9, tau: 0.1 };
    const t0 = performance.now();
    const solved = softValueIteration(mdp, r, { tol: 1e-8 });
    const t1 = performance.now();
    evaluatePolicy(mdp, solved.pi, r, new Float64Array(S).fill(1 / S));
    const t2 = performance.now();
    results['tabular/S1000_A4/soft_vi_ms'] = Math.round(t1 - t0);
    results['tabular/S1000_A4/soft_vi_sweeps'] = solved.sweeps;
    results['tabular/S1000_A4/exact_eval_ms'] = Math.round(t2 - t1);
  }

  // 3. Reward-model and soft-Q updates per second: tfjs on each backend, the JS kernel, and the
  //    PyTorch reference on the same shapes, in this one process (ratios under the same load).
  const { benchModels } = await import('../models/bench');
  const { runTorchReference, TORCH_PYTHON } = await import('../models/torch-reference');
  const { shortReason } = await import('../models/backend');
  const hiddenSizes = flags.wide ? [256, 256] : [64, 64];
  const net = flags.wide ? 'wide256' : 'models';
  const rows: Array<{ label: string; m: import('../models/bench').ModelBenchResult }> = [];
  const seconds = Math.max(0.2, 2 * scale);
  const torch = flags['no-torch'] ? { ok: false as const, reason: '--no-torch' } : await runTorchReference(seconds, hiddenSizes[0]);
  const configs: Array<{ label: string; backend: 'tensorflow' | 'wasm' | 'cpu'; kernel: 'js' | 'tfjs' }> = [
    { label: 'js-kernel', backend: 'wasm', kernel: 'js' },
    { label: 'tfjs-wasm', backend: 'wasm', kernel: 'tfjs' },
    { label: 'tfjs-cpu', backend: 'cpu', kernel: 'tfjs' },
    { label: 'tfjs-node', backend: 'tensorflow', kernel: 'tfjs' },
  ];
  for (const c of configs) {
    try {
      const m = await benchModels(c.backend, { scale, kernel: c.kernel, hiddenSizes });
      rows.push({ label: c.label, m });
    } catch (err) {
      // tfjs-node is an optional dependency: absent here, present on many users' machines.
      results[`${net}/${c.label}`] = `unavailable (${shortReason(err)})`;
    }
  }
  // Per wall-clock second (what this machine gave, under whatever else ran) and per CPU-second
  // of the process (the rate on an idle core; steadier on a shared machine). Ratios: both.
  if (torch.ok) {
    results[`${net}/pytorch/version`] = `torch ${torch.torchVersion}, ${torch.threads} thread, ${TORCH_PYTHON}`;
    results[`${net}/pytorch/reward_updates_per_s`] = round2(torch.rewardUpdatesPerSecond);
    results[`${net}/pytorch/reward_updates_per_cpu_s`] = round2(torch.rewardUpdatesPerCpuSecond);
    results[`${net}/pytorch/softq_updates_per_s`] = round2(torch.softQUpdatesPerSecond);
    results[`${net}/pytorch/softq_updates_per_cpu_s`] = round2(torch.softQUpdatesPerCpuSecond);
  } else {
    results[`${net}/pytorch`] = `not measured: ${torch.reason}`;
  }
  for (const { label, m } of rows) {
    results[`${net}/${label}/reward_updates_per_s`] = round2(m.rewardUpdatesPerSecond);
    results[`${net}/${label}/reward_updates_per_cpu_s`] = round2(m.rewardUpdatesPerCpuSecond);
    results[`${net}/${label}/softq_updates_per_s`] = round2(m.softQUpdatesPerSecond);
    results[`${net}/${label}/softq_updates_per_cpu_s`] = round2(m.softQUpdatesPerCpuSecond);
    if (torch.ok) {
      results[`${net}/${label}/reward_ratio_to_pytorch`] = round2(m.rewardUpdatesPerSecond / torch.rewardUpdatesPerSecond);
      results[`${net}/${label}/reward_cpu_ratio_to_pytorch`] = round2(m.rewardUpdatesPerCpuSecond / torch.rewardUpdatesPerCpuSecond);
      results[`${net}/${label}/softq_ratio_to_pytorch`] = round2(m.softQUpdatesPerSecond / torch.softQUpdatesPerSecond);
      results[`${net}/${label}/softq_cpu_ratio_to_pytorch`] = round2(m.softQUpdatesPerCpuSecond / torch.softQUpdatesPerCpuSecond);
    }
  }

  // 4. The upper-level paths moved onto the kernel last (query ensemble, Stoc-SoBiRL), kernel
  //    and tfjs-wasm (their old path) side by side, alternating so a load change hits both.
  if (!flags.wide) {
    const { benchUpperLevels } = await import('./bench-upper');
    const upper: Record<string, import('./bench-upper').UpperBenchResult[]> = { 'js-kernel': [], 'tfjs-wasm': [] };
    for (let round = 0; round < 2; round++) {
      upper['js-kernel']!.push(await benchUpperLevels('wasm', 'js', scale / 2));
      upper['tfjs-wasm']!.push(await benchUpperLevels('wasm', 'tfjs', scale / 2));
    }
    const mean = (rs: import('./bench-upper').UpperBenchResult[], key: keyof import('./bench-upper').UpperBenchResult) => rs.reduce((s, r) => s + r[key], 0) / rs.length;
    for (const key of ['ensembleStepsPerSecond', 'ensembleScoresPerSecond', 'stocSobirlStepsPerSecond'] as const) {
      const name = { ensembleStepsPerSecond: 'ensemble_fit_steps_per_s', ensembleScoresPerSecond: 'ensemble_scores_512_per_s', stocSobirlStepsPerSecond: 'stoc_sobirl_steps_per_s' }[key];
      const js = mean(upper['js-kernel']!, key), tfjs = mean(upper['tfjs-wasm']!, key);
      results[`upper/js-kernel/${name}`] = round2(js);
      results[`upper/tfjs-wasm/${name}`] = round2(tfjs);
      results[`upper/${name}/kernel_over_tfjs`] = round2(js / tfjs);
    }
  }

  // 5. SAC updates per second (continuous engine): the kernel beside tfjs' backends, pendulum shapes.
  const { benchSac } = await import('../algorithms/continuous/sac-bench');
  for (const row of await benchSac(seconds)) {
    results[`sac/pendulum/${row.label}/updates_per_s`] = 'error' in row ? `unavailable (${shortReason(row.error)})` : round2(row.updatesPerSecond);
  }

  if (flags.json) io.stdout(`${JSON.stringify(results)}\n`);
  else io.stdout(Object.entries(results).map(([k, v]) => `${k.padEnd(44)} ${v}`).join('\n') + '\n');
  return 0;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

import { makeRng } from '../core/rng';
import { ENVS } from '../envs';
import { softValueIteration, evaluatePolicy } from '../tabular/soft';
import { parseFlags, type CliIo } from './args';

/**
 * `npm run sobirl -- bench`: throughput figures, measured side by side in one run so the ratios
 * mean something on a shared, noisy machine.
 */
export async function runBench(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, { quick: { type: 'boolean' }, json: { type: 'boolean' } });
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

  // 3. Reward-model and soft-Q updates per second on wasm vs cpu, same process, same sizes.
  const { benchModels } = await import('../models/bench');
  for (const backend of ['wasm', 'cpu'] as const) {
    const m = await benchModels(backend, { scale });
    results[`models/${backend}/reward_updates_per_s`] = round2(m.rewardUpdatesPerSecond);
    results[`models/${backend}/softq_updates_per_s`] = round2(m.softQUpdatesPerSecond);
  }
  results['models/ratio_wasm_over_cpu/reward'] = round2(Number(results['models/wasm/reward_updates_per_s']) / Number(results['models/cpu/reward_updates_per_s']));
  results['models/ratio_wasm_over_cpu/softq'] = round2(Number(results['models/wasm/softq_updates_per_s']) / Number(results['models/cpu/softq_updates_per_s']));

  if (flags.json) io.stdout(`${JSON.stringify(results)}\n`);
  else io.stdout(Object.entries(results).map(([k, v]) => `${k.padEnd(44)} ${v}`).join('\n') + '\n');
  return 0;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

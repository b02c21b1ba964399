/**
 * SAC updates per second on the pendulum's shapes (obs 3, one action, actor and twin critics
 * [64, 64], batch 128, alpha fixed), on the dense-MLP kernel (what training uses) and on tfjs'
 * backends (the same update in autodiff, sac-tfjs.ts), measured one after the other in one
 * process so the ratios hold under the same load. `npm run bench` prints them.
 */
import { makeRng } from '../../core/rng';
import { useBackend, type BackendName } from '../../models/backend';
import { ContinuousReplay } from './replay';
import { DEFAULT_SAC, SacLearner } from './sac';
import { TfjsSac } from './sac-tfjs';

export interface SacBenchRow {
  label: string;
  updatesPerSecond: number;
}

function setup(): { sac: SacLearner; replay: ContinuousReplay } {
  const O = 3, A = 1;
  const sac = new SacLearner({ ...DEFAULT_SAC, obsSize: O, actionSize: A, gamma: 0.99, alpha: 0.2, entropy: 'fixed', seed: 1 });
  const rng = makeRng(2);
  const replay = new ContinuousReplay(5000, O, A);
  for (let i = 0; i < 5000; i++) replay.add([rng.normal(), rng.normal(), rng.normal()], [2 * rng.next() - 1], [rng.normal(), rng.normal(), rng.normal()], false, rng.normal());
  return { sac, replay };
}

/** Updates per second of `step` over about `seconds` (after a few warm-up updates). */
function rate(step: () => void, seconds: number): number {
  for (let i = 0; i < 3; i++) step();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    step();
    n++;
  }
  return n / ((performance.now() - t0) / 1000);
}

export async function benchSac(seconds: number, backends: readonly BackendName[] = ['wasm', 'cpu']): Promise<Array<SacBenchRow | { label: string; error: unknown }>> {
  const rows: Array<SacBenchRow | { label: string; error: unknown }> = [];
  {
    const { sac, replay } = setup();
    const rng = makeRng(3);
    rows.push({ label: 'js-kernel', updatesPerSecond: rate(() => { const b = replay.sample(128, rng); sac.update(b, b.trueRewards, rng); }, seconds) });
  }
  for (const backend of backends) {
    try {
      await useBackend(backend);
      const { sac, replay } = setup();
      const tfSac = new TfjsSac(sac);
      const rng = makeRng(3);
      try {
        rows.push({ label: `tfjs-${backend}`, updatesPerSecond: rate(() => { const b = replay.sample(128, rng); tfSac.update(b, b.trueRewards, rng); }, seconds) });
      } finally {
        tfSac.dispose();
      }
    } catch (error) {
      rows.push({ label: `tfjs-${backend}`, error });
    }
  }
  return rows;
}

/**
 * How many of a continuous env's label queries can carry information before any learning: the
 * share of uniformly drawn pairs of clips of the uniformly random policy whose two true returns
 * differ (the rest a Bradley-Terry teacher answers with a coin flip), for several clip lengths.
 * Pairs are cut as the continuous engine cuts them (randomClipPairs over the collected steps).
 *   npx tsx trainer/cli/informative-pairs.ts --env inverted-pendulum [--steps 40000] [--pairs 4000] [--horizons 10,25,100,200] [--episode-steps 1000]
 * (--episode-steps: the collection episode's length, ContinuousCollector; default the env's full episode)
 */
import { makeRng, type Rng } from '../core/rng';
import { getContinuousEnv } from '../envs';
import { prepareEnv } from '../mujoco/load';
import { ContinuousCollector, randomClipPairs, type ContinuousPolicy, type ContinuousSegment } from '../algorithms/continuous/experience';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

/** Uniform actions over the normalised box [-1, 1]^A (what the collector maps onto the env's bounds). */
function uniformPolicy(actionSize: number): ContinuousPolicy {
  return (_obs: Float32Array, rows: number, rng: Rng) => ({
    actions: Float32Array.from({ length: rows * actionSize }, () => rng.next() * 2 - 1),
    logProb: new Float32Array(rows),
  });
}

const clipReturn = (clip: ContinuousSegment) => clip.trueRewards.reduce((s, r) => s + r, 0);

async function main(): Promise<void> {
  const env = getContinuousEnv(arg('env', 'inverted-pendulum'));
  const steps = Number(arg('steps', '40000')), pairs = Number(arg('pairs', '4000'));
  const horizons = arg('horizons', '10,25,100,200').split(',').map(Number);
  const episodeSteps = Number(arg('episode-steps', String(env.maxEpisodeSteps)));
  await prepareEnv(env);
  const pool = new ContinuousCollector(env, 4, makeRng(5), episodeSteps).collect(uniformPolicy(env.actionSpace.low.length), steps);
  const episodes = pool.length / Math.min(episodeSteps, env.maxEpisodeSteps);
  const meanEpisodeReturn = pool.reduce((s, t) => s + t.trueReward, 0) / episodes;
  const rng = makeRng(3);
  for (const horizon of horizons) {
    const drawn = randomClipPairs(env.id, pool, horizon, pairs, rng);
    const differing = drawn.filter(([a, b]) => clipReturn(a) !== clipReturn(b)).length;
    console.log(JSON.stringify({ env: env.id, episodeSteps, steps: pool.length, meanEpisodeReturn, horizon, pairs: drawn.length, differingShare: differing / drawn.length }));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

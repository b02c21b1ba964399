import { afterEach, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { checkpoints, clips, pairs, runs } from '@/db/schema';
import { firstRow, returnedRow } from '@/db/dialect';
import { writeTx } from '@/db/transactions';
import { addUser, callerFor, freshDb } from '@/tests/helpers/server/fixtures';
import { makeRng, type Rng } from '../core/rng';
import { hopper } from '../envs/hopper';
import type { MujocoState } from '../envs/mujoco/mujoco-env';
import { pendulum } from '../envs/pendulum';
import { annotate as annotateAs } from '../../tests/helpers/trainer/service';
import { CONTINUOUS_CHECKPOINT_ROW_FORMAT, readContinuousCheckpoint } from '../contracts/continuous-checkpoint';
import { readNeuralCheckpoint } from '../contracts/neural-checkpoint';
import type { ContinuousLearner } from '../algorithms/continuous/learner';
import { ContinuousEngine } from './continuous-run';
import { TrainerService } from './trainer-service';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** Tiny settings: an iteration in about a second. */
const TINY = {
  seed: 3,
  horizon: 10,
  iterationTimeoutMs: 600_000,
  querySelection: 'uniform',
  neural: { envStepsPerIter: 120, updatesPerIter: 30, minReplay: 100, evalEpisodes: 1, hiddenSizes: [16] },
  algorithm: { upperSteps: 3, rolloutSteps: 3, exploreWarmup: 0, actionSamples: 2 },
};
const BATCH = 6;

async function newPendulumRun(db: Db, algorithm = 'sobirl', config: Record<string, unknown> = TINY): Promise<number> {
  return (await writeTx(db, (tx) => returnedRow(
    tx.insert(runs).values({ name: 'pendulum', envId: 'pendulum', algorithm, instructions: 'Keep it up.', labelBatchSize: BATCH, config })
      .returning({ id: runs.id }),
  ))).id;
}

/** `n` labels from a beta-1 scripted teacher through label.next / label.submit, as a person would. */
async function annotate(db: Db, runId: number, n: number, rng: Rng): Promise<void> {
  await annotateAs(callerFor(db, await addUser(db, 'annotator')), runId, n, rng, [], { beta: 1 });
}

const checkpointAt = async (db: Db, runId: number, iteration: number) =>
  (await firstRow(db.select().from(checkpoints).where(and(eq(checkpoints.runId, runId), eq(checkpoints.iteration, iteration)))))!;

function sections(cp: Awaited<ReturnType<typeof checkpointAt>>) {
  const label = `checkpoint ${cp.id}`;
  return {
    reward: readContinuousCheckpoint(cp.rewardModel!, label, 'continuous-reward').sections,
    policy: readContinuousCheckpoint(cp.policy!, label, 'continuous-policy').sections,
    optimizer: readContinuousCheckpoint(cp.optimizerState!, label, 'continuous-optimizer').sections,
  };
}

const asPlain = (s: Record<string, Float32Array>) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Array.from(v)]));

/** TINY with disagreement selection: a 3-member ensemble of r(s, a), 5 candidates per pair. */
const DISAGREEING = { ...TINY, oversample: 5, ensembleSize: 3, neural: { ...TINY.neural, pairSelection: 'disagreement', ensembleSteps: 4 } };

describe('the trainer service on a pendulum run (continuous engine: SAC below)', () => {
  it.each([['uniform', TINY], ['disagreement', DISAGREEING]] as const)('bootstraps with vector-action clips, iterates on labels, checkpoints weights and optimiser state, and a restarted service resumes exactly (%s selection)', async (selection, config) => {
    const { db, cleanup } = await freshDb(`h10b-continuous-${selection}`);
    cleanups.push(cleanup);
    const runId = await newPendulumRun(db, 'sobirl', config);
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const service = new TrainerService({ db, log, simulate: false });
    const rng = makeRng(8);

    expect((await service.runOnce()).get(runId)).toBe('bootstrapped');
    expect((await checkpointAt(db, runId, 0)).formatVersion).toBe(CONTINUOUS_CHECKPOINT_ROW_FORMAT);
    const stored = await db.select().from(clips).where(eq(clips.runId, runId));
    expect(stored.length).toBe(4 * BATCH);
    for (const clip of stored) {
      const actions = clip.actions as unknown as number[][];
      expect(actions.length).toBe(TINY.horizon);
      expect(clip.states.length).toBe(actions.length + 1);
      for (const a of actions) {
        expect(a).toHaveLength(1);
        expect(Math.abs(a[0]!)).toBeLessThanOrEqual(2);
      }
      // The stored true return is the env's, replayed from the stored states and actions.
      const replayed = actions.reduce((s, a, h) => s + pendulum.step(clip.states[h] as never, a, makeRng(0)).reward, 0);
      expect(clip.trueReturn).toBeCloseTo(replayed, 6);
    }

    for (let k = 1; k <= 2; k++) {
      await annotate(db, runId, BATCH, rng);
      expect((await service.runOnce()).get(runId)).toBe('iterated');
    }
    const run = (await firstRow(db.select().from(runs).where(eq(runs.id, runId))))!;
    expect(run.iteration).toBe(2);
    expect(run.lastError).toBeNull();
    const driver = service.driverFor(runId)!;
    expect(driver.engine).toBeInstanceOf(ContinuousEngine);
    const inMemory = (driver.currentLearner() as ContinuousLearner).exportState();
    const cp2 = await checkpointAt(db, runId, 2);
    const blob = sections(cp2);
    // The checkpoint holds exactly the in-memory learner: weights and every optimiser moment.
    expect(asPlain(blob.reward)).toEqual(asPlain(inMemory.reward));
    expect(asPlain(blob.policy)).toEqual(asPlain(inMemory.policy));
    expect(asPlain(blob.optimizer)).toEqual(asPlain(inMemory.optimizer));
    expect(blob.optimizer['sac/updates']![0]).toBe(2 * TINY.neural.updatesPerIter);
    // Disagreement selection checkpoints its fitted ensemble with the learner (none under uniform).
    const ensembleSections = Object.keys(blob.optimizer).filter((k) => k.startsWith('queries/'));
    if (selection === 'uniform') expect(ensembleSections).toEqual([]);
    else {
      expect(ensembleSections.sort()).toEqual(['queries/adam/0', 'queries/adam/1', 'queries/adam/2', 'queries/fitted', 'queries/weights/0', 'queries/weights/1', 'queries/weights/2']);
      expect(blob.optimizer['queries/fitted']![0]).toBe(1);
    }
    // The pairs proposed with checkpoint 2 carry the ensemble's disagreement as their priority.
    const proposed = await db.select().from(pairs).where(eq(pairs.checkpointId, cp2.id));
    expect(proposed.length).toBeGreaterThan(0);
    if (selection === 'uniform') expect(proposed.every((p) => p.priority === 0)).toBe(true);
    else expect(proposed.every((p) => p.priority > 0)).toBe(true);
    // ... and it moved: iteration 0's reward model differs.
    expect(asPlain(sections(await checkpointAt(db, runId, 0)).reward)).not.toEqual(asPlain(blob.reward));
    // The discrete-action reader refuses it in words.
    expect(() => readNeuralCheckpoint(cp2.policy!, 'cp2')).toThrow(/not a SoBiRL neural checkpoint/);
    await service.stop();

    // Restart: a new service resumes from iteration 2 with the same weights and optimiser state.
    const second = new TrainerService({ db, log, simulate: false });
    await annotate(db, runId, BATCH, rng);
    const restored: Array<ReturnType<ContinuousLearner['exportState']>> = [];
    const original = ContinuousEngine.prototype.restore;
    ContinuousEngine.prototype.restore = async function (this: ContinuousEngine, ...args: Parameters<ContinuousEngine['restore']>) {
      const learner = await original.apply(this, args);
      restored.push(learner.exportState());
      return learner;
    };
    try {
      expect((await second.runOnce()).get(runId)).toBe('iterated');
    } finally {
      ContinuousEngine.prototype.restore = original;
    }
    expect(lines.filter((l) => l.includes("resumed"))).toEqual([expect.stringContaining(`resumed from checkpoint ${cp2.id} (iteration 2)`)]);
    expect(restored).toHaveLength(1);
    expect(asPlain(restored[0]!.reward)).toEqual(asPlain(blob.reward));
    expect(asPlain(restored[0]!.policy)).toEqual(asPlain(blob.policy));
    expect(asPlain(restored[0]!.optimizer)).toEqual(asPlain(blob.optimizer));
    expect((await checkpointAt(db, runId, 3)).labelsUsed).toBe(3 * BATCH);
    await second.stop();
  });

  it('a MuJoCo run stores its clips\' states compact: the drawn numbers to 4 decimals, qpos and qvel exact (the stored return replays)', async () => {
    const { db, cleanup } = await freshDb('h10a-continuous-hopper-clips');
    cleanups.push(cleanup);
    const runId = (await writeTx(db, (tx) => returnedRow(
      tx.insert(runs).values({ name: 'hopper', envId: 'hopper', algorithm: 'drlhf', instructions: 'Hop forward.', labelBatchSize: BATCH, config: TINY })
        .returning({ id: runs.id }),
    ))).id;
    const service = new TrainerService({ db, log: () => {}, simulate: false });
    expect((await service.runOnce()).get(runId)).toBe('bootstrapped');
    await service.stop();
    const stored = await db.select().from(clips).where(eq(clips.runId, runId));
    expect(stored.length).toBe(4 * BATCH);
    const fourDecimals = (v: number) => Math.abs(v * 1e4 - Math.round(v * 1e4)) < 1e-6;
    let fullPrecision = 0;
    for (const clip of stored) {
      const states = clip.states as unknown as MujocoState[];
      for (const s of states) {
        expect([...s.geoms, ...s.u].every(fourDecimals)).toBe(true);
        fullPrecision += [...s.qpos, ...s.qvel].filter((v) => !fourDecimals(v)).length;
      }
      const actions = clip.actions as unknown as number[][];
      const replayed = actions.reduce((sum, a, h) => sum + hopper.step(states[h]!, a, makeRng(0)).reward, 0);
      expect(clip.trueReturn).toBeCloseTo(replayed, 9);
    }
    // qpos and qvel were not rounded (nearly every entry has more than 4 decimals).
    expect(fullPrecision).toBeGreaterThan(0.9 * stored.length * (TINY.horizon + 1) * 12);
  });

  it('a damaged checkpoint falls back to the previous one, naming the blob', async () => {
    const { db, cleanup } = await freshDb('h10b-continuous-fallback');
    cleanups.push(cleanup);
    const runId = await newPendulumRun(db, 'drlhf');
    const lines: string[] = [];
    const first = new TrainerService({ db, log: (l) => lines.push(l), simulate: false });
    await first.runOnce();
    await annotate(db, runId, BATCH, makeRng(1));
    expect((await first.runOnce()).get(runId)).toBe('iterated');
    await first.stop();
    const cp1 = await checkpointAt(db, runId, 1), cp0 = await checkpointAt(db, runId, 0);
    const damaged = Buffer.from(cp1.optimizerState!);
    damaged[damaged.length - 3] = damaged[damaged.length - 3]! ^ 0xff;
    await writeTx(db, (tx) => tx.update(checkpoints).set({ optimizerState: damaged }).where(eq(checkpoints.id, cp1.id)));
    const second = new TrainerService({ db, log: (l) => lines.push(l), simulate: false });
    await annotate(db, runId, BATCH, makeRng(2));
    expect((await second.runOnce(Date.now() + 700_000)).get(runId)).toBe('iterated');
    const run = (await firstRow(db.select().from(runs).where(eq(runs.id, runId))))!;
    expect(run.lastError).toMatch(new RegExp(`checkpoint ${cp1.id} \\(iteration 1\\) of run ${runId}: optimiser state is corrupt: the data fails its checksum`));
    expect(lines.some((l) => l.includes(`resumed from checkpoint ${cp0.id} (iteration 0)`))).toBe(true);
    await second.stop();
  });

  it('refuses m-sobirl on pendulum with the registry\'s words, and the oracle as a simulation baseline', async () => {
    const { db, cleanup } = await freshDb('h10b-continuous-refuse');
    cleanups.push(cleanup);
    const m = await newPendulumRun(db, 'm-sobirl'), o = await newPendulumRun(db, 'oracle');
    const service = new TrainerService({ db, log: () => {}, simulate: false });
    const outcomes = await service.runOnce();
    expect(outcomes.get(m)).toBe('blocked');
    expect(outcomes.get(o)).toBe('blocked');
    const error = async (id: number) => (await firstRow(db.select().from(runs).where(eq(runs.id, id))))!.lastError;
    expect(await error(m)).toMatch(/m-sobirl is model-based and needs a tabular environment.*'pendulum' is not/);
    expect(await error(o)).toMatch(/oracle is a simulation baseline/);
    await service.stop();
  });
});

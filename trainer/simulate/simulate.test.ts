import { describe, expect, it } from 'vitest';
import type { Engine, EngineLabels, EnginePlan, EngineRun, Metrics, Proposal, ProposalRequest, StepContext } from '../service/engine';
import type { LabelRow, PairSpec } from '../service/store';
import { simulateSeed } from './simulate';
import type { SimulateOptions } from './types';

/**
 * A fake engine on grid5 (reward +1 per step in the bottom-right cell 24, 0 in the top-left cell
 * 0): it records every call, proposes pairs of a clip held in the goal (return H) against one
 * held in the corner (return 0), and "learns" nothing. Enough to check what simulate() asks of
 * an engine and what it hands over, without any learner.
 */
const H = 4;
const clip = (row: number, col: number) => ({
  seed: 0, states: Array.from({ length: H + 1 }, () => ({ row, col })), actions: Array.from({ length: H }, () => 1),
  logProbs: Array.from({ length: H }, () => 0), trueReturn: null,
});
const goalVersusCorner = (): PairSpec => ({ first: clip(4, 4), second: clip(0, 0), priority: 0 });
const cornerVersusCorner = (): PairSpec => ({ first: clip(0, 0), second: clip(0, 0), priority: 0 });

interface Learner { iterations: number }
type Call = string;

class FakeEngine implements Engine<Learner, EnginePlan, readonly LabelRow[]> {
  readonly kind = 'fake';
  readonly calls: Call[] = [];
  readonly labelCalls: Array<{ rows: readonly LabelRow[]; resumedFrom: { checkpointId: number; watermark: number } }> = [];
  readonly requests: Array<ProposalRequest<readonly LabelRow[]>> = [];
  readonly evaluations: Array<{ iteration: number; final: boolean }> = [];
  disposed: Learner | null = null;

  /** @param pairsFor the pairs of a request (default: goal against corner, never skipped). */
  constructor(private readonly pairsFor: (request: ProposalRequest<readonly LabelRow[]>) => PairSpec = goalVersusCorner) {}

  firstCheckpointNote(): string { return ''; }
  plan(run: EngineRun): EnginePlan {
    this.calls.push(`plan ${run.envId} ${run.algorithm}`);
    return { config: {} as EnginePlan['config'], setupKey: 'fake' };
  }
  async prepare(): Promise<void> { this.calls.push('prepare'); }
  async pendingTarget(): Promise<number> { throw new Error('simulate sizes no queue'); }
  async start(): Promise<Learner> { this.calls.push('start'); return { iterations: 0 }; }
  async restore(): Promise<Learner> { throw new Error('simulate never restores'); }
  restoredNote(): null { return null; }
  labels(_ctx: StepContext<EnginePlan>, rows: readonly LabelRow[], resumedFrom: { checkpointId: number; watermark: number }): EngineLabels<readonly LabelRow[]> {
    this.calls.push('labels');
    this.labelCalls.push({ rows: [...rows], resumedFrom });
    const fresh = rows.filter((r) => r.pairCheckpointId === resumedFrom.checkpointId).length;
    return { data: rows, all: rows.length, fresh };
  }
  async updateReward(): Promise<Metrics> { this.calls.push('updateReward'); return { 'loss/preference': 0.5 }; }
  async updatePolicy(_ctx: StepContext<EnginePlan>, learner: Learner): Promise<Metrics> {
    this.calls.push('updatePolicy');
    learner.iterations++;
    return {};
  }
  async gather(): Promise<Metrics> { this.calls.push('gather'); return {}; }
  async propose(_ctx: StepContext<EnginePlan>, _learner: Learner, request: ProposalRequest<readonly LabelRow[]>): Promise<Proposal> {
    this.calls.push(`propose ${request.purpose} ${request.count}`);
    this.requests.push(request);
    return { pairs: Array.from({ length: request.count }, () => this.pairsFor(request)), meanScore: 0 };
  }
  topUpSource(): null { return null; }
  evaluate(ctx: StepContext<EnginePlan>, learner: Learner, iteration: number, final = false): Metrics {
    this.calls.push('evaluate');
    this.evaluations.push({ iteration, final });
    expect(ctx.run.iteration).toBe(learner.iterations === 0 ? 0 : learner.iterations - 1);
    // A return that shows which iteration was evaluated.
    return { 'return/true': 10 * learner.iterations, 'return/learned': Number.NaN };
  }
  async encodeCheckpoint(): Promise<never> { throw new Error('simulate stores no checkpoint'); }
  summary(): string { return ''; }
  dispose(learner: Learner): void { this.calls.push('dispose'); this.disposed = learner; }
  close(): void { this.calls.push('close'); }
}

const OPTS: SimulateOptions = {
  env: 'grid5', algo: 'sobirl', labels: 20, seeds: 1, pairsPerIter: 8, horizon: H, gamma: 0.9, tau: 0.1,
  teacher: { beta: Infinity },
};

describe('simulate() over an Engine', () => {
  it('calls the engine in the loop order: start, first pairs, then label -> reward -> policy -> gather -> propose -> evaluate', async () => {
    const engine = new FakeEngine();
    const run = await simulateSeed(engine, OPTS, 0);
    const iteration = (count: number | null) => ['labels', 'updateReward', 'updatePolicy', 'gather', ...(count === null ? [] : [`propose iteration ${count}`]), 'evaluate'];
    expect(engine.calls).toEqual([
      'plan grid5 sobirl', 'prepare', 'start', 'evaluate', 'propose first 8',
      ...iteration(8), ...iteration(4), ...iteration(null), // the budget is spent: no pairs after the last iteration
      'dispose', 'close',
    ]);
    expect(engine.disposed).toEqual({ iterations: 3 });
    expect(run.curve).toEqual([[0, 0], [8, 10], [16, 20], [20, 30]]);
    expect(run.finalReturn).toBe(30);
    // Iteration k evaluates checkpoint k + 1; only the last point is the final one.
    expect(engine.evaluations).toEqual([
      { iteration: 0, final: false }, { iteration: 1, final: false }, { iteration: 2, final: false }, { iteration: 3, final: true },
    ]);
    // Non-finite metrics are left out, as the service leaves them out of the metrics table.
    expect(run.metrics.map((m) => m['return/learned'])).toEqual([undefined, undefined, undefined]);
    expect(run.metrics.map((m) => m['labels/used'])).toEqual([8, 16, 20]);
  });

  it('hands every label so far to the engine, fresh = on the pairs of the policy it has now, with the teacher\'s answers', async () => {
    const engine = new FakeEngine();
    await simulateSeed(engine, OPTS, 0);
    expect(engine.labelCalls.map((c) => c.rows.length)).toEqual([8, 16, 20]);
    expect(engine.labelCalls.map((c) => c.resumedFrom)).toEqual([
      { checkpointId: 0, watermark: 0 }, { checkpointId: 1, watermark: 8 }, { checkpointId: 2, watermark: 16 },
    ]);
    const last = engine.labelCalls.at(-1)!.rows;
    expect(last.map((r) => r.labelId)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(last.map((r) => r.pairCheckpointId)).toEqual([...Array(8).fill(0), ...Array(8).fill(1), ...Array(4).fill(2)]);
    // A deterministic teacher (beta = Infinity) prefers the clip held in the goal: return 4 against 0.
    expect(new Set(last.map((r) => r.y))).toEqual(new Set([1]));
    // The 'iteration' request carries the labels the iteration trained on.
    const iterationRequests = engine.requests.filter((r) => r.purpose === 'iteration');
    expect(iterationRequests.map((r) => (r.purpose === 'iteration' ? r.labels.all : -1))).toEqual([8, 16]);
  });

  it('skipped queries cost no budget: when the teacher skips every pair, the engine tops the queue up from the same policy', async () => {
    // The first pairs are two clips in the corner (max return 0 < skip threshold 0.5): all skipped.
    const engine = new FakeEngine((request) => (request.purpose === 'first' ? cornerVersusCorner() : goalVersusCorner()));
    const run = await simulateSeed(engine, { ...OPTS, labels: 16, teacher: { beta: Infinity, skipThreshold: 0.5 } }, 0);
    expect(engine.calls.slice(0, 7)).toEqual(['plan grid5 sobirl', 'prepare', 'start', 'evaluate', 'propose first 8', 'propose top-up 8', 'labels']);
    expect(engine.requests[1]).toEqual({ purpose: 'top-up', count: 8, pending: 0, index: 1, resumedFrom: { checkpointId: 0, watermark: 0 } });
    expect(run.curve.map(([labels]) => labels)).toEqual([0, 8, 16]);
    expect(engine.labelCalls[0]!.rows).toHaveLength(8);
  });

  it('stops after asking 10x the budget when every answer is a skip (no iteration, the start point only)', async () => {
    const engine = new FakeEngine(cornerVersusCorner);
    const run = await simulateSeed(engine, { ...OPTS, labels: 4, pairsPerIter: 2, teacher: { beta: Infinity, skipThreshold: 0.5 } }, 0);
    expect(run.curve).toEqual([[0, 0]]);
    expect(engine.calls.filter((c) => c.startsWith('propose'))).toEqual(['propose first 2', ...Array(20).fill('propose top-up 2')]);
    expect(engine.calls).not.toContain('updateReward');
    expect(engine.calls.slice(-2)).toEqual(['dispose', 'close']);
  });

  it('the oracle asks no teacher and no pairs: its x axis counts the labels the learners would have used', async () => {
    const engine = new FakeEngine();
    const run = await simulateSeed(engine, { ...OPTS, algo: 'oracle' }, 0);
    expect(engine.calls.filter((c) => c.startsWith('propose'))).toEqual([]);
    expect(engine.labelCalls.map((c) => c.rows.length)).toEqual([0, 0, 0]);
    expect(engine.calls.filter((c) => c === 'updateReward')).toHaveLength(3);
    expect(run.curve).toEqual([[0, 0], [8, 10], [16, 20], [20, 30]]);
  });

  it('releases the learner and the engine when an iteration throws', async () => {
    const engine = new FakeEngine();
    engine.updatePolicy = async () => { throw new Error('boom'); };
    await expect(simulateSeed(engine, OPTS, 0)).rejects.toThrow('boom');
    expect(engine.calls.slice(-2)).toEqual(['dispose', 'close']);
    const unstarted = new FakeEngine();
    unstarted.start = async () => { throw new Error('no learner'); };
    await expect(simulateSeed(unstarted, OPTS, 0)).rejects.toThrow('no learner');
    expect(unstarted.calls).toEqual(['plan grid5 sobirl', 'prepare', 'close']);
  });
});

/**
 * What a tabular checkpoint learned, read back on the web server: the learned reward table
 * r(s, a) from the checkpoint's x, the policy from its Q, and segment returns under either.
 * Pure TypeScript over the env registry, the trainer service's own blob decoder and the exact
 * tabular evaluators (trainer/tabular/soft.ts): nothing here loads tfjs, so the Next bundle may
 * import it.
 */
import { getEnv } from '@/trainer/envs';
import type { TabularEnvExtras } from '@/trainer/envs/types';
import { decodeVector } from '@/trainer/contracts/tabular-checkpoint';
import { evaluatePolicy, policyFromQ } from '@/trainer/tabular/soft';

export interface TabularShape {
  S: number;
  A: number;
  /** trueReward[s * A + a] (the env's true reward; metrics and the heat map only). */
  trueReward: Float64Array;
  transitions: Float64Array;
  tabular: TabularEnvExtras<unknown>;
}

/** The env's tabular model, or null for envs the neural engine trains. */
export function tabularShape(envId: string): TabularShape | null {
  const env = getEnv(envId);
  if (!env.tabular) return null;
  const { numStates: S, numActions: A, trueReward, transitions } = env.tabular.model;
  return { S, A, trueReward, transitions, tabular: env.tabular as TabularEnvExtras<unknown> };
}

/** The settings that decide how x maps to r (see trainer/algorithms/tabular-rlhf.ts). */
export interface RewardLayout {
  algorithm: string;
  features: 'state' | 'state-action';
}

/** Length of the reward-model vector x a checkpoint of this run stores. */
export function rewardVectorLength(shape: TabularShape, layout: RewardLayout): number {
  // The oracle stores the true reward table (S * A values) where learners store x.
  if (layout.algorithm === 'oracle' || layout.features === 'state-action') return shape.S * shape.A;
  return shape.S;
}

/**
 * r(s, a) = features(s, a) . x with one-hot features: x[s] for 'state' (the same for every
 * action), x[s * A + a] for 'state-action' and for the oracle's stored table.
 */
export function rewardTable(shape: TabularShape, layout: RewardLayout, x: Float64Array): Float64Array {
  const { S, A } = shape;
  const expected = rewardVectorLength(shape, layout);
  if (x.length !== expected) throw new Error(`reward vector has ${x.length} values; this run's setup needs ${expected}`);
  const perState = layout.algorithm !== 'oracle' && layout.features === 'state';
  const r = new Float64Array(S * A);
  for (let sa = 0; sa < S * A; sa++) r[sa] = perState ? x[Math.floor(sa / A)]! : x[sa]!;
  return r;
}

/** Decodes x (throws CheckpointLoadError naming `label` when the blob is unusable). */
export function decodeRewardTable(shape: TabularShape, layout: RewardLayout, blob: Uint8Array | null, label: string): Float64Array {
  return rewardTable(shape, layout, decodeVector(blob, rewardVectorLength(shape, layout), `${label}: reward model`));
}

/** pi(a | s) = softmax(Q(s, .) / tau), the soft-optimal policy the checkpoint's Q encodes. */
export function decodePolicy(shape: TabularShape, tau: number, blob: Uint8Array | null, label: string): Float64Array {
  const Q = decodeVector(blob, shape.S * shape.A, `${label}: policy`);
  return policyFromQ(Q, shape.S, shape.A, tau).pi;
}

/** Expected discounted return of pi under `reward` from a uniform start state (as return/true). */
export function policyReturn(shape: TabularShape, gamma: number, tau: number, pi: Float64Array, reward: Float64Array): number {
  const rho = new Float64Array(shape.S).fill(1 / shape.S);
  return evaluatePolicy({ S: shape.S, A: shape.A, P: shape.transitions, gamma, tau }, pi, reward, rho);
}

/** The state-action index of each step of a stored clip (states has one more entry than actions). */
export function clipIndices(shape: TabularShape, states: readonly unknown[], actions: readonly number[]): number[] {
  return actions.map((a, h) => shape.tabular.stateIndex(states[h]) * shape.A + a);
}

/** A table's value at each step of a clip. */
export function perStep(table: Float64Array, indices: readonly number[]): number[] {
  return indices.map((sa) => table[sa]!);
}

export function sumAt(table: Float64Array, indices: readonly number[]): number {
  let total = 0;
  for (const sa of indices) total += table[sa]!;
  return total;
}

/**
 * Where each state sits on the heat map: the state's own row/col when it has them (grid worlds),
 * else a near-square grid in index order.
 */
export function stateLayout(shape: TabularShape): { rows: number; cols: number; cells: Array<{ row: number; col: number }> } {
  const cells: Array<{ row: number; col: number }> = [];
  let gridded = true;
  for (let s = 0; s < shape.S; s++) {
    const state = shape.tabular.stateFromIndex(s) as { row?: unknown; col?: unknown } | null;
    if (state && typeof state.row === 'number' && typeof state.col === 'number') cells.push({ row: state.row, col: state.col });
    else gridded = false;
  }
  if (!gridded) {
    const cols = Math.ceil(Math.sqrt(shape.S));
    const fallback = Array.from({ length: shape.S }, (_, s) => ({ row: Math.floor(s / cols), col: s % cols }));
    return { rows: Math.ceil(shape.S / cols), cols, cells: fallback };
  }
  return {
    rows: Math.max(...cells.map((c) => c.row)) + 1,
    cols: Math.max(...cells.map((c) => c.col)) + 1,
    cells,
  };
}

/**
 * Learned and true reward at each step of a clip, as the clip inspector shows them: tabular runs
 * look both up in the checkpoint's reward table and the env's (and get the heat map); neural runs
 * run the checkpoint's reward model on each step's observation and replay the env's true reward.
 */
import type { Db } from '@/db/client';
import type { Clip, Run } from '@/db/schema';
import { getEnv } from '@/trainer/envs';
import { discreteActions } from '@/trainer/contracts/clip-actions';
import { decodeCheckpoints, tabularContext } from './checkpointRewards';
import { stepRewards, type NeuralRewardModel } from './neuralRewardModel';
import { loadCheckpointRewardModel, prepareClip, type NeuralRunContext, type PreparedClip } from './neuralRewards';
import { clipIndices, perStep, stateLayout } from './tabularModel';

/** Learned and true reward per state/action, for the tabular heat map. */
export interface RewardHeatmap {
  S: number;
  A: number;
  actionNames: readonly string[];
  rows: number;
  cols: number;
  cells: Array<{ row: number; col: number }>;
  learned: number[];
  true: number[];
}

export interface StepRewards {
  /** Learned and true reward per step of a clip (null where unknown). */
  of(clip: Clip): { learned: number[] | null; true: number[] | null };
  /** Whether the scoring checkpoint's learned reward was readable. */
  scored: boolean;
  heatmap: RewardHeatmap | null;
}

export type Scoring = { id: number; iteration: number } | undefined;

export async function tabularStepRewards(db: Db, run: Run, scoring: Scoring, notes: string[]): Promise<StepRewards> {
  const ctx = tabularContext(run);
  if (!ctx.ok) {
    notes.push(`no learned reward per step: ${ctx.reason}`);
    return { of: () => ({ learned: null, true: null }), scored: false, heatmap: null };
  }
  const trueTable = ctx.value.shape.trueReward;
  let learnedTable: Float64Array | null = null;
  const decoded = scoring ? (await decodeCheckpoints(db, run.id, ctx.value, [scoring.id])).get(scoring.id) : undefined;
  if (!scoring) notes.push('the run has no checkpoint yet');
  else if (decoded && !decoded.ok) notes.push(decoded.error);
  else if (decoded?.ok) learnedTable = decoded.reward;
  let heatmap: RewardHeatmap | null = null;
  if (learnedTable) {
    const { S, A } = ctx.value.shape;
    heatmap = {
      S, A, actionNames: getEnv(run.envId).actionNames, ...stateLayout(ctx.value.shape),
      learned: [...learnedTable], true: [...trueTable],
    };
  }
  return {
    of: (clip) => {
      const indices = safeIndices(() => clipIndices(ctx.value.shape, clip.states, discreteActions(clip.actions, 'the tabular step-reward inspector')), notes);
      return { learned: indices && learnedTable ? perStep(learnedTable, indices) : null, true: indices ? perStep(trueTable, indices) : null };
    },
    scored: learnedTable !== null,
    heatmap,
  };
}

/** Neural runs: the checkpoint's reward model on each step's observation; the true reward replayed. No heat map. */
export async function neuralStepRewards(db: Db, runId: number, ctx: NeuralRunContext, scoring: Scoring, notes: string[]): Promise<StepRewards> {
  let model: NeuralRewardModel | null = null;
  if (!scoring) notes.push('the run has no checkpoint yet');
  else {
    const decoded = await loadCheckpointRewardModel(db, runId, ctx, scoring.id);
    if (decoded.ok) model = decoded.model;
    else notes.push(decoded.error);
  }
  return {
    of: (clip) => {
      let prepared: PreparedClip;
      try {
        prepared = prepareClip(ctx, { ...clip, actions: discreteActions(clip.actions, 'the neural step-reward inspector') });
      } catch (error) {
        notes.push((error as Error).message);
        return { learned: null, true: null };
      }
      return { learned: model ? stepRewards(model, prepared.observations, prepared.actions) : null, true: prepared.trueRewards };
    },
    scored: model !== null,
    heatmap: null,
  };
}

function safeIndices(fn: () => number[], notes: string[]): number[] | null {
  try {
    return fn();
  } catch (error) {
    notes.push(`cannot index this clip's states: ${(error as Error).message}`);
    return null;
  }
}

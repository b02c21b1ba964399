/**
 * A stored clip's actions, as the database row (clips.actions, JSON), the trainer's segments and
 * the exports carry them: one action index per step for a discrete-action env, one vector (of
 * the env's action-space length) per step for a continuous-action env (trainer/envs/types.ts
 * ContinuousEnv). The two never mix within a clip.
 */
export type DiscreteClipActions = number[];
export type ContinuousClipActions = number[][];
export type ClipActions = DiscreteClipActions | ContinuousClipActions;

/** True when the clip's actions are vectors (a continuous-action env's clip). */
export function isContinuousActions(actions: ClipActions): actions is ContinuousClipActions {
  return actions.length > 0 && Array.isArray(actions[0]);
}

/**
 * The clip's actions as indices, for code that handles discrete-action runs only; throws (naming
 * `where`) on a continuous clip rather than treating vectors as indices.
 */
export function discreteActions(actions: ClipActions, where: string): DiscreteClipActions {
  if (isContinuousActions(actions)) throw new Error(`${where} handles discrete-action clips only; this clip has action vectors`);
  return actions as DiscreteClipActions;
}

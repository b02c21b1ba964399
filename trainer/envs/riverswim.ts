import type { DrawPrimitive, Env, Frame, TabularModel } from './types';

/**
 * riverswim: a chain of 6 states across a river whose current flows left (after Strehl &
 * Littman's RiverSwim): a small reward on the near bank, a large one on the far bank.
 * - Action 'left' (swim with the current) always moves one state left (state 0 stays).
 * - Action 'right' (against the current): from an inner state right 0.35, stay 0.6, left 0.05;
 *   from state 0 right 0.4, stay 0.6; from the far bank (state 5) stay 0.95, left 0.05.
 * - True reward 0.05 for any action in state 0 (near bank), 1 in state 5 (far bank), 0 between.
 *   Reward depends on the state only (as grid5's), so one-hot state features can represent it.
 * - No terminal state: episodes are cut at maxEpisodeSteps. The far start is state 0: the small
 *   reward is right there, the large one takes ~15 steps of swimming against the current.
 */
export interface RiverSwimState {
  pos: number;
}

export const RIVERSWIM_LENGTH = 6;
export const RIVERSWIM_NEAR_REWARD = 0.05;
export const RIVERSWIM_FAR_REWARD = 1;
const ACTIONS = ['left', 'right'] as const;
const LAST = RIVERSWIM_LENGTH - 1;

/** P(next | s, right) as [left, stay, right] probabilities, by position. */
function swimRight(s: number): [number, number, number] {
  if (s === 0) return [0, 0.6, 0.4];
  if (s === LAST) return [0.05, 0.95, 0];
  return [0.05, 0.6, 0.35];
}

const rewardOf = (s: number) => (s === 0 ? RIVERSWIM_NEAR_REWARD : s === LAST ? RIVERSWIM_FAR_REWARD : 0);

function buildModel(): TabularModel {
  const S = RIVERSWIM_LENGTH, A = ACTIONS.length;
  const transitions = new Float64Array(S * A * S);
  const trueReward = new Float64Array(S * A);
  for (let s = 0; s < S; s++) {
    trueReward[s * A] = rewardOf(s);
    trueReward[s * A + 1] = rewardOf(s);
    transitions[(s * A) * S + Math.max(s - 1, 0)] = 1;
    const [pLeft, pStay, pRight] = swimRight(s);
    const row = (s * A + 1) * S;
    if (pLeft > 0) transitions[row + s - 1] = transitions[row + s - 1]! + pLeft;
    transitions[row + s] = transitions[row + s]! + pStay;
    if (pRight > 0) transitions[row + s + 1] = transitions[row + s + 1]! + pRight;
  }
  return { numStates: S, numActions: A, transitions, trueReward };
}

const model = buildModel();

function checkState(i: number): number {
  if (!(Number.isInteger(i) && i >= 0 && i < RIVERSWIM_LENGTH)) {
    throw new Error(`riverswim: position must be an integer in [0, ${RIVERSWIM_LENGTH}), got ${i}`);
  }
  return i;
}

function render(state: RiverSwimState): Frame {
  const items: DrawPrimitive[] = [
    // The river, with the current's direction drawn as an arrow.
    { kind: 'rect', x: 0, y: 0, w: RIVERSWIM_LENGTH, h: 2, fill: '#bbdefb' },
    { kind: 'line', x1: RIVERSWIM_LENGTH - 0.5, y1: 1.75, x2: 0.5, y2: 1.75, stroke: '#1e88e5', width: 0.05 },
    { kind: 'polyline', points: [[0.8, 1.9], [0.5, 1.75], [0.8, 1.6]], stroke: '#1e88e5', width: 0.05 },
  ];
  for (let s = 0; s < RIVERSWIM_LENGTH; s++) {
    const fill = s === 0 ? '#a5d6a7' : s === LAST ? '#2e7d32' : '#e3f2fd';
    items.push({ kind: 'rect', x: s + 0.1, y: 0.4, w: 0.8, h: 0.8, fill, stroke: '#90a4ae' });
  }
  items.push({ kind: 'text', x: 0.15, y: 0.1, text: 'small', size: 0.25, fill: '#1b5e20' });
  items.push({ kind: 'text', x: LAST + 0.15, y: 0.1, text: 'LARGE', size: 0.25, fill: '#1b5e20' });
  items.push({ kind: 'circle', x: state.pos + 0.5, y: 0.8, r: 0.25, fill: '#1565c0' });
  return { viewport: { xMin: 0, xMax: RIVERSWIM_LENGTH, yMin: 0, yMax: 2 }, background: '#ffffff', items };
}

export const riverswim: Env<RiverSwimState> = {
  id: 'riverswim',
  title: 'River swim',
  description: 'A swimmer (blue) crosses a river against the current; the near bank pays a little, the far bank (dark green) pays a lot.',
  actionNames: ACTIONS,
  observationSize: RIVERSWIM_LENGTH,
  maxEpisodeSteps: 50,
  reset: (rng) => ({ pos: rng.int(RIVERSWIM_LENGTH) }),
  step: (state, action, rng) => {
    if (!Number.isInteger(action) || action < 0 || action >= ACTIONS.length) {
      throw new Error(`riverswim: action must be an integer in [0, ${ACTIONS.length}) (${ACTIONS.join(', ')}), got ${action}`);
    }
    const s = checkState(state.pos);
    const row = model.transitions.subarray((s * ACTIONS.length + action) * RIVERSWIM_LENGTH, (s * ACTIONS.length + action + 1) * RIVERSWIM_LENGTH);
    return { state: { pos: rng.categorical(row) }, reward: rewardOf(s), done: false };
  },
  observe: (state) => {
    const o = new Array<number>(RIVERSWIM_LENGTH).fill(0);
    o[checkState(state.pos)] = 1;
    return o;
  },
  render,
  tabular: {
    model,
    stateIndex: (state) => checkState(state.pos),
    stateFromIndex: (i) => ({ pos: checkState(i) }),
    farStart: 0,
  },
};

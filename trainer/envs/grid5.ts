import type { Env, Frame, TabularModel, DrawPrimitive } from './types';

/**
 * grid5: a 5x5 slippery grid world, the tabular testbed.
 * - Actions up/down/left/right; the intended move happens with probability 0.9, each of the
 *   other three with 0.1/3. A move off the grid stays in place.
 * - True reward +1 for any action taken in the bottom-right cell, -1 in the centre, 0 elsewhere.
 * - No terminal state: episodes are cut at maxEpisodeSteps.
 * Rows count from the top (row 0) to the bottom (row 4); state index = row * 5 + col.
 */
export interface Grid5State {
  row: number;
  col: number;
}

const SIZE = 5;
const NUM_STATES = SIZE * SIZE;
const ACTIONS = ['up', 'down', 'left', 'right'] as const;
const MOVES: ReadonlyArray<readonly [number, number]> = [[-1, 0], [1, 0], [0, -1], [0, 1]];
export const GRID5_SLIP = 0.1;
export const GRID5_GOAL = NUM_STATES - 1; // bottom-right
export const GRID5_PIT = 12; // centre

function moveTo(s: number, move: number): number {
  const row = Math.floor(s / SIZE), col = s % SIZE;
  const [dr, dc] = MOVES[move]!;
  const r = row + dr, c = col + dc;
  return r < 0 || r >= SIZE || c < 0 || c >= SIZE ? s : r * SIZE + c;
}

function rewardOf(s: number): number {
  return s === GRID5_GOAL ? 1 : s === GRID5_PIT ? -1 : 0;
}

function buildModel(): TabularModel {
  const A = ACTIONS.length;
  const transitions = new Float64Array(NUM_STATES * A * NUM_STATES);
  const trueReward = new Float64Array(NUM_STATES * A);
  for (let s = 0; s < NUM_STATES; s++) {
    for (let a = 0; a < A; a++) {
      trueReward[s * A + a] = rewardOf(s);
      for (let m = 0; m < A; m++) {
        const p = m === a ? 1 - GRID5_SLIP : GRID5_SLIP / (A - 1);
        const i = (s * A + a) * NUM_STATES + moveTo(s, m);
        transitions[i] = transitions[i]! + p;
      }
    }
  }
  return { numStates: NUM_STATES, numActions: A, transitions, trueReward };
}

const model = buildModel();
const toIndex = (s: Grid5State) => s.row * SIZE + s.col;
const fromIndex = (i: number): Grid5State => ({ row: Math.floor(i / SIZE), col: i % SIZE });

function render(state: Grid5State): Frame {
  const items: DrawPrimitive[] = [];
  for (let i = 0; i < NUM_STATES; i++) {
    const { row, col } = fromIndex(i);
    const fill = i === GRID5_GOAL ? '#2e7d32' : i === GRID5_PIT ? '#c62828' : '#eceff1';
    // World y grows upwards: row 0 (top) sits at y = 4.
    items.push({ kind: 'rect', x: col, y: SIZE - 1 - row, w: 1, h: 1, fill, stroke: '#90a4ae' });
  }
  items.push({ kind: 'circle', x: state.col + 0.5, y: SIZE - 1 - state.row + 0.5, r: 0.3, fill: '#1565c0' });
  return { viewport: { xMin: 0, xMax: SIZE, yMin: 0, yMax: SIZE }, background: '#ffffff', items };
}

export const grid5: Env<Grid5State> = {
  id: 'grid5',
  title: 'Grid world 5x5',
  description: 'A blue dot moves on a slippery 5x5 grid; green is the goal corner, red the centre pit.',
  actionNames: ACTIONS,
  observationSize: NUM_STATES,
  maxEpisodeSteps: 50,
  reset: (rng) => fromIndex(rng.int(NUM_STATES)),
  step: (state, action, rng) => {
    if (!Number.isInteger(action) || action < 0 || action >= ACTIONS.length) {
      throw new Error(`grid5: action must be an integer in [0, ${ACTIONS.length}), got ${action}`);
    }
    const s = toIndex(state);
    const row = model.transitions.subarray((s * ACTIONS.length + action) * NUM_STATES, (s * ACTIONS.length + action + 1) * NUM_STATES);
    const next = rng.categorical(row);
    return { state: fromIndex(next), reward: rewardOf(s), done: false };
  },
  // One-hot of the cell: tabular reward models are linear in these features.
  observe: (state) => {
    const o = new Array<number>(NUM_STATES).fill(0);
    o[toIndex(state)] = 1;
    return o;
  },
  render,
  trailPoint: (state) => [state.col + 0.5, SIZE - 1 - state.row + 0.5],
  // Far start: the top-left corner, 8 moves from the goal and around the pit.
  tabular: { model, stateIndex: toIndex, stateFromIndex: fromIndex, farStart: 0 },
};

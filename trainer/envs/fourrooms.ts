import type { DrawPrimitive, Env, Frame, TabularModel } from './types';

/**
 * fourrooms: four 3x3 rooms joined by four one-cell doorways (a small form of Sutton, Precup &
 * Singh's four-room world), sparse and distant reward.
 * - The layout is the 9x9 map below ('#' wall, '.' free): 40 free cells, one tabular state each,
 *   numbered in reading order (row by row, top to bottom, left to right).
 * - Actions up/down/left/right; the intended move happens with probability 0.9, each other move
 *   with 0.1/3 (as grid5). A move into a wall stays in place.
 * - True reward +1 for any action taken in the goal cell (bottom-right room, its far corner), 0
 *   everywhere else. No terminal state: episodes are cut at maxEpisodeSteps.
 * - The far start is the top-left room's far corner: 12 moves from the goal through two doorways.
 */
export interface FourRoomsState {
  row: number;
  col: number;
}

export const FOURROOMS_MAP: readonly string[] = [
  '#########',
  '#...#...#',
  '#.......#',
  '#...#...#',
  '##.###.##',
  '#...#...#',
  '#.......#',
  '#...#...#',
  '#########',
];
const ROWS = FOURROOMS_MAP.length;
const COLS = FOURROOMS_MAP[0]!.length;
const ACTIONS = ['up', 'down', 'left', 'right'] as const;
const MOVES: ReadonlyArray<readonly [number, number]> = [[-1, 0], [1, 0], [0, -1], [0, 1]];
export const FOURROOMS_SLIP = 0.1;

const isFree = (row: number, col: number) => FOURROOMS_MAP[row]?.[col] === '.';

/** Free cells in reading order: cells[i] = [row, col] of state i. */
const cells: Array<readonly [number, number]> = [];
const indexOfCell = new Map<number, number>();
for (let r = 0; r < ROWS; r++) {
  for (let c = 0; c < COLS; c++) {
    if (isFree(r, c)) { indexOfCell.set(r * COLS + c, cells.length); cells.push([r, c]); }
  }
}
const NUM_STATES = cells.length;

function cellIndex(row: number, col: number): number {
  const i = indexOfCell.get(row * COLS + col);
  if (i === undefined) throw new Error(`fourrooms: (${row}, ${col}) is not a free cell of the map`);
  return i;
}

export const FOURROOMS_GOAL = cellIndex(7, 7);
export const FOURROOMS_FAR_START = cellIndex(1, 1);

function moveTo(s: number, move: number): number {
  const [row, col] = cells[s]!;
  const [dr, dc] = MOVES[move]!;
  return isFree(row + dr, col + dc) ? cellIndex(row + dr, col + dc) : s;
}

const rewardOf = (s: number) => (s === FOURROOMS_GOAL ? 1 : 0);

function buildModel(): TabularModel {
  const A = ACTIONS.length;
  const transitions = new Float64Array(NUM_STATES * A * NUM_STATES);
  const trueReward = new Float64Array(NUM_STATES * A);
  for (let s = 0; s < NUM_STATES; s++) {
    for (let a = 0; a < A; a++) {
      trueReward[s * A + a] = rewardOf(s);
      for (let m = 0; m < A; m++) {
        const i = (s * A + a) * NUM_STATES + moveTo(s, m);
        transitions[i] = transitions[i]! + (m === a ? 1 - FOURROOMS_SLIP : FOURROOMS_SLIP / (A - 1));
      }
    }
  }
  return { numStates: NUM_STATES, numActions: A, transitions, trueReward };
}

const model = buildModel();
const toIndex = (s: FourRoomsState) => cellIndex(s.row, s.col);
const fromIndex = (i: number): FourRoomsState => {
  const cell = cells[i];
  if (!cell) throw new Error(`fourrooms: state index must be in [0, ${NUM_STATES}), got ${i}`);
  return { row: cell[0], col: cell[1] };
};

function render(state: FourRoomsState): Frame {
  const items: DrawPrimitive[] = [];
  const goal = cells[FOURROOMS_GOAL]!;
  for (let r = 0; r < ROWS; r++) {
    for (let c = 0; c < COLS; c++) {
      const wall = !isFree(r, c);
      const fill = wall ? '#455a64' : r === goal[0] && c === goal[1] ? '#2e7d32' : '#eceff1';
      // World y grows upwards: map row 0 (top) sits at y = ROWS - 1.
      items.push({ kind: 'rect', x: c, y: ROWS - 1 - r, w: 1, h: 1, fill, stroke: '#90a4ae' });
    }
  }
  items.push({ kind: 'circle', x: state.col + 0.5, y: ROWS - 1 - state.row + 0.5, r: 0.3, fill: '#1565c0' });
  return { viewport: { xMin: 0, xMax: COLS, yMin: 0, yMax: ROWS }, background: '#ffffff', items };
}

export const fourrooms: Env<FourRoomsState> = {
  id: 'fourrooms',
  title: 'Four rooms',
  description: 'A blue dot moves on a slippery map of four rooms joined by doorways; only the green corner of the bottom-right room pays.',
  actionNames: ACTIONS,
  observationSize: NUM_STATES,
  maxEpisodeSteps: 50,
  reset: (rng) => fromIndex(rng.int(NUM_STATES)),
  step: (state, action, rng) => {
    if (!Number.isInteger(action) || action < 0 || action >= ACTIONS.length) {
      throw new Error(`fourrooms: action must be an integer in [0, ${ACTIONS.length}) (${ACTIONS.join(', ')}), got ${action}`);
    }
    const s = toIndex(state);
    const row = model.transitions.subarray((s * ACTIONS.length + action) * NUM_STATES, (s * ACTIONS.length + action + 1) * NUM_STATES);
    return { state: fromIndex(rng.categorical(row)), reward: rewardOf(s), done: false };
  },
  // One-hot of the free cell: tabular reward models are linear in these features.
  observe: (state) => {
    const o = new Array<number>(NUM_STATES).fill(0);
    o[toIndex(state)] = 1;
    return o;
  },
  render,
  tabular: { model, stateIndex: toIndex, stateFromIndex: fromIndex, farStart: FOURROOMS_FAR_START },
};

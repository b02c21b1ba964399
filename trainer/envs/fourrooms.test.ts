import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { fourrooms, FOURROOMS_FAR_START, FOURROOMS_GOAL } from './fourrooms';

const { model, stateIndex, stateFromIndex } = fourrooms.tabular!;
const S = model.numStates, A = 4;
const P = (s: number, a: number, n: number) => model.transitions[(s * A + a) * S + n]!;
const at = (row: number, col: number) => stateIndex({ row, col });

// The map written out again here, independently of the module: walls on the border, the
// column-4 and row-4 walls, doorways at (2,4), (6,4), (4,2), (4,6).
function freeByHand(row: number, col: number): boolean {
  if (row <= 0 || row >= 8 || col <= 0 || col >= 8) return false;
  const doors = ['2,4', '6,4', '4,2', '4,6'];
  if (doors.includes(`${row},${col}`)) return true;
  return row !== 4 && col !== 4;
}

describe('fourrooms', () => {
  it('has the 40 free cells of the map, and nothing else, as states', () => {
    let free = 0;
    for (let r = 0; r < 9; r++) for (let c = 0; c < 9; c++) if (freeByHand(r, c)) free++;
    expect(S).toBe(free);
    expect(S).toBe(40);
    for (let i = 0; i < S; i++) {
      const { row, col } = stateFromIndex(i);
      expect(freeByHand(row, col)).toBe(true);
    }
    expect(() => stateIndex({ row: 4, col: 4 })).toThrow(/not a free cell/);
  });

  it('moves as intended with 0.9, slips with 0.1/3 each way, and stays put against a wall', () => {
    // (1,1), the far corner: up and left are walls.
    const corner = at(1, 1);
    expect(corner).toBe(FOURROOMS_FAR_START);
    expect(P(corner, 0, corner)).toBeCloseTo(0.9 + 0.1 / 3, 12); // up: wall; slip left: wall
    expect(P(corner, 0, at(2, 1))).toBeCloseTo(0.1 / 3, 12);
    expect(P(corner, 3, at(1, 2))).toBeCloseTo(0.9, 12);
    // The doorway (2,4): walls above and below it, rooms left and right.
    const door = at(2, 4);
    expect(P(door, 3, at(2, 5))).toBeCloseTo(0.9, 12);
    expect(P(door, 3, at(2, 3))).toBeCloseTo(0.1 / 3, 12);
    expect(P(door, 3, door)).toBeCloseTo(0.2 / 3, 12); // slips up and down hit walls
    // (3,3) right: walls at (3,4) and below at (4,3) keep you in place.
    expect(P(at(3, 3), 3, at(3, 3))).toBeCloseTo(0.9 + 0.1 / 3, 12);
    expect(P(at(3, 3), 3, at(2, 3))).toBeCloseTo(0.1 / 3, 12);
  });

  it('pays +1 only in the goal corner, which is 12 moves from the far start (BFS over the map)', () => {
    expect(stateFromIndex(FOURROOMS_GOAL)).toEqual({ row: 7, col: 7 });
    for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) expect(model.trueReward[s * A + a]).toBe(s === FOURROOMS_GOAL ? 1 : 0);
    // Breadth-first search over the hand-written map.
    const dist = new Map<string, number>([['1,1', 0]]);
    const queue: Array<[number, number]> = [[1, 1]];
    while (queue.length) {
      const [r, c] = queue.shift()!;
      for (const [dr, dc] of [[-1, 0], [1, 0], [0, -1], [0, 1]] as const) {
        const key = `${r + dr},${c + dc}`;
        if (freeByHand(r + dr, c + dc) && !dist.has(key)) { dist.set(key, dist.get(`${r},${c}`)! + 1); queue.push([r + dr, c + dc]); }
      }
    }
    expect(dist.size).toBe(40); // every free cell is reachable
    expect(dist.get('7,7')).toBe(12);
  });

  it('renders walls, the goal and the agent inside the 9x9 viewport', () => {
    const frame = fourrooms.render({ row: 1, col: 1 });
    expect(frame.viewport).toEqual({ xMin: 0, xMax: 9, yMin: 0, yMax: 9 });
    const rects = frame.items.filter((i) => i.kind === 'rect');
    expect(rects.length).toBe(81);
    const walls = rects.filter((i) => i.kind === 'rect' && i.fill === '#455a64');
    expect(walls.length).toBe(81 - 40);
    const agent = frame.items.find((i) => i.kind === 'circle');
    // Row 1 (second from the top) sits at y = 7 .. 8 in world coordinates (y up).
    expect(agent).toMatchObject({ x: 1.5, y: 7.5 });
    expect(() => fourrooms.step({ row: 1, col: 1 }, 4, makeRng(0))).toThrow(/fourrooms: action/);
  });
});

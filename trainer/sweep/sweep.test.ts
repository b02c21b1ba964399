import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli';
import { GridError, parseGrid } from './grid';
import { runSweep, type CellResult, type SweepResults } from './sweep';
import { compare, renderTables, summarise } from './table';

const tinyGrid = {
  labels: 16,
  seeds: [0, 1],
  tuningSeeds: [100],
  tasks: [{ env: 'grid5', start: 'uniform' }, { env: 'riverswim', start: 'far' }],
  variants: [
    { id: 'sobirl', algo: 'sobirl' },
    { id: 'drlhf', algo: 'drlhf' },
    { id: 'weight=4', algo: 'sobirl', config: { exploreCoef: 4 }, study: true },
  ],
};

function capture() {
  const out: string[] = [], err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

describe('sweep grid', () => {
  it.each([
    [{ ...tinyGrid, seeds: [0, 100] }, /seeds: 100 also listed in tuningSeeds/],
    [{ ...tinyGrid, tasks: [{ env: 'cartpole' }] }, /tasks.0.env: must be a tabular environment/],
    [{ ...tinyGrid, tasks: [{ env: 'grid5', start: 'corner' }] }, /tasks.0.start: must be 'uniform', 'far' or a state index/],
    [{ ...tinyGrid, variants: [{ id: 'a', algo: 'ppo' }] }, /variants.0.algo/],
    [{ ...tinyGrid, variants: [{ id: 'a', algo: 'drlhf' }, { id: 'a', algo: 'sobirl' }] }, /id 'a' listed twice/],
    [{ ...tinyGrid, seeds: [] }, /seeds/],
    [{ ...tinyGrid, extra: 1 }, /extra/],
  ])('rejects a bad grid, naming the field (%#)', (grid, message) => {
    expect(() => parseGrid(grid)).toThrow(GridError);
    expect(() => parseGrid(grid)).toThrow(message);
  });

  it('refuses a variant setting its learner does not have before running anything', async () => {
    const grid = parseGrid({ ...tinyGrid, variants: [{ id: 'x', algo: 'drlhf', config: { exploreCoef: 1 } }] });
    await expect(runSweep(grid)).rejects.toThrow(/'exploreCoef' is not a setting of drlhf/);
  });
});

describe('sweep run and tables', () => {
  const grid = parseGrid(tinyGrid);
  let results: SweepResults;
  beforeAll(async () => { results = await runSweep(grid); });

  it('runs every task x variant x seed, the algorithms first, with the oracle from the same start', () => {
    expect(results.cells.map((c) => `${c.variant}@${c.env}/${c.start}`)).toEqual([
      'sobirl@grid5/uniform', 'sobirl@riverswim/far', 'drlhf@grid5/uniform', 'drlhf@riverswim/far',
      'weight=4@grid5/uniform', 'weight=4@riverswim/far',
    ]);
    for (const c of results.cells) {
      expect(c.seeds.map((s) => s.seed)).toEqual([0, 1]);
      for (const s of c.seeds) expect(s.curve.at(-1)).toEqual([16, Math.round(s.finalReturn * 1e6) / 1e6]);
    }
    expect(results.cells[0]!.oracleReturn).toBeCloseTo(5.8605, 3);
    expect(results.cells[1]!.oracleReturn).toBeCloseTo(2.124, 3);
  });

  it('summarises a cell as % of the oracle and the first label count at 90% of it (by hand)', () => {
    const cell: CellResult = {
      env: 'grid5', start: 'uniform', variant: 'v', algo: 'sobirl', config: {}, study: false, labels: 16, oracleReturn: 2, seconds: 0,
      seeds: [
        { seed: 0, finalReturn: 2, curve: [[0, 0], [8, 1.6], [16, 2]] },
        { seed: 1, finalReturn: 1, curve: [[0, 0], [8, 2], [16, 1]] },
      ],
    };
    const s = summarise(cell);
    expect(s.ci.mean).toBeCloseTo(75, 12); // (100 + 50) / 2
    expect(s.ci.lo).toBeGreaterThanOrEqual(50);
    expect(s.ci.hi).toBeLessThanOrEqual(100);
    expect(s.labelsTo90).toBe(8); // mean curve at 8 labels: 1.8 = 90% of 2
    expect(s.seedsAt90).toBe(1); // seed 0 ends at 100%, seed 1 at 50%
    expect(summarise({ ...cell, seeds: [cell.seeds[1]!] }).labelsTo90).toBe(8);
    expect(summarise({ ...cell, seeds: [{ seed: 0, finalReturn: 1, curve: [[0, 0], [16, 1]] }] }).labelsTo90).toBeNull();
  });

  it('renders both tables and one SoBiRL-vs-DRLHF verdict per task', () => {
    const text = renderTables(results);
    expect(text).toContain('| task | start | oracle return | SoBiRL | DRLHF |');
    expect(text).toMatch(/\| grid5 \| uniform \| 5\.860 \| /);
    expect(text).toMatch(/- grid5, uniform start: SoBiRL .* vs DRLHF .*: (no significant difference|SoBiRL significantly (higher|lower))\./);
    expect(text).toMatch(/- riverswim, far start: /);
    expect(text).toContain('| task | start | SoBiRL | weight=4 |');
    expect(text).toContain('Settings were chosen on seeds 100 only.');
  });

  it('resumes: cells already in the results file are kept, not rerun', async () => {
    const marked = results.cells.map((c) => ({ ...c, seconds: -1 }));
    const again = await runSweep(grid, marked.slice(0, 3));
    expect(again.cells.filter((c) => c.seconds === -1).length).toBe(3);
    expect(again.cells.length).toBe(6);
  });

  it('sweep command: writes the results file and prints the tables; --table-only prints the same from the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sweep-'));
    const gridPath = join(dir, 'grid.json'), outPath = join(dir, 'results.json');
    writeFileSync(gridPath, JSON.stringify({ ...tinyGrid, tasks: [tinyGrid.tasks[1]], variants: tinyGrid.variants.slice(0, 2) }));
    const run = capture();
    expect(await main(['sweep', '--grid', gridPath, '--out', outPath], run.io)).toBe(0);
    expect(JSON.parse(readFileSync(outPath, 'utf8')).cells.length).toBe(2);
    expect(run.err.join('')).toMatch(/\[2\/2\] riverswim far drlhf/);
    const table = capture();
    expect(await main(['sweep', '--table-only', '--out', outPath], table.io)).toBe(0);
    expect(table.out.join('')).toBe(run.out.join(''));
    const bad = capture();
    writeFileSync(gridPath, JSON.stringify({ ...tinyGrid, seeds: [100] }));
    expect(await main(['sweep', '--grid', gridPath, '--out', outPath], bad.io)).toBe(2);
    expect(bad.err.join('')).toMatch(/--grid: seeds: 100 also listed in tuningSeeds/);
  });
});

describe('verdicts', () => {
  const at = (mean: number, lo: number, hi: number) => ({ cell: {} as CellResult, ci: { mean, lo, hi }, labelsTo90: null, seedsAt90: 0 });
  it('calls disjoint intervals a difference only with a gap of at least 1 point', () => {
    expect(compare(at(50, 40, 60), at(45, 30, 55))).toBe('overlap');
    expect(compare(at(75, 50, 95), at(6, -0.2, 19))).toBe('higher');
    expect(compare(at(6, -0.2, 19), at(75, 50, 95))).toBe('lower');
    expect(compare(at(0, 0, 0.00001), at(6.6, 0.0003, 19.7))).toBe('negligible');
  });
});

import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { GridError, loadGrid } from '../sweep/grid';
import { runSweep, type CellResult, type SweepResults } from '../sweep/sweep';
import { renderTables } from '../sweep/table';
import { parseFlags, UsageError, validateFlags, type CliIo } from './args';

export const SWEEP_USAGE = `usage: npm run sobirl -- sweep --grid GRID.json --out RESULTS.json [--resume] [--table-only]
  runs every task x variant x seed of the grid (tabular envs), writes RESULTS.json after every cell,
  and prints the README's results tables (markdown). --resume keeps the cells RESULTS.json already
  holds; --table-only prints the tables of an existing RESULTS.json without running anything.`;

const schema = z.object({
  grid: z.string().optional(),
  out: z.string({ error: 'is required (the results file)' }),
  resume: z.boolean().default(false),
  'table-only': z.boolean().default(false),
});

function readResults(path: string): SweepResults {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as SweepResults;
    if (!parsed || !Array.isArray(parsed.cells) || !parsed.grid) throw new Error('no grid or cells');
    return parsed;
  } catch (error) {
    throw new UsageError(`--out: '${path}' is not a sweep results file (${(error as Error).message})`);
  }
}

/** Write through a temporary file, so an interrupted sweep never leaves half a JSON file. */
function writeResults(path: string, results: SweepResults): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(results)}\n`);
  renameSync(`${path}.tmp`, path);
}

export async function runSweepCommand(argv: string[], io: CliIo): Promise<number> {
  const flags = validateFlags(schema, parseFlags(argv, {
    grid: { type: 'string' }, out: { type: 'string' }, resume: { type: 'boolean' }, 'table-only': { type: 'boolean' },
  }));
  if (flags['table-only']) {
    io.stdout(renderTables(readResults(flags.out)));
    return 0;
  }
  if (!flags.grid) throw new UsageError('--grid: is required (the grid file) unless --table-only');
  let grid;
  try {
    grid = loadGrid(flags.grid);
  } catch (error) {
    if (error instanceof GridError) throw new UsageError(`--grid: ${error.message}`);
    throw error;
  }
  const previous: CellResult[] = flags.resume && existsSync(flags.out) ? readResults(flags.out).cells : [];
  const done: CellResult[] = [];
  const started = Date.now();
  const results = await runSweep(grid, previous, (cell, count, total) => {
    done.push(cell);
    // Cells not rerun yet stay in the file, so a second interruption loses nothing.
    const pending = previous.filter((p) => !done.includes(p));
    writeResults(flags.out, { grid, cells: [...done, ...pending] });
    io.stderr(`[${count}/${total}] ${cell.env} ${cell.start} ${cell.variant}: ${cell.seconds.toFixed(1)} s (${((Date.now() - started) / 1000).toFixed(0)} s in all)\n`);
  });
  writeResults(flags.out, results);
  io.stdout(renderTables(results));
  return 0;
}

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exactHypergradient } from '../tabular/hypergrad';
import { loadProblemFile, problemToJson } from '../tabular/problem';
import { randomProblem } from '../tabular/random-problem';
import { runHypergrad } from './hypergrad';

const root = path.resolve(import.meta.dirname, '../..');
const example = (name: string) => path.join(root, 'trainer/tabular/examples', name);

async function run(argv: string[]) {
  let stdout = '', stderr = '';
  const code = await runHypergrad(argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
  return { code, stdout, stderr };
}

function writeProblem(json: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'hypergrad-')), 'problem.json');
  writeFileSync(file, JSON.stringify(json));
  return file;
}

describe('hypergrad command', () => {
  it('prints {"phi", "grad"} as one JSON line and exits 0', async () => {
    const { code, stdout, stderr } = await run(['--problem', example('two-state-return.json')]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.endsWith('\n')).toBe(true);
    const out = JSON.parse(stdout);
    expect(Object.keys(out)).toEqual(['phi', 'grad']);
    const exact = exactHypergradient(loadProblemFile(example('two-state-return.json')));
    expect(out.phi).toBe(exact.phi); // full precision survives JSON
    expect(out.grad).toEqual(Array.from(exact.grad));
  });

  it('on a random problem file the printed gradient matches finite differences of the printed phi', async () => {
    const problem = randomProblem({ seed: 4, S: 3, A: 2, n: 3, kind: 'preference', horizon: 3, beta: 2 });
    const json = problemToJson(problem);
    const phiAt = async (x: number[]) => JSON.parse((await run(['--problem', writeProblem({ ...json, x })])).stdout).phi as number;
    const out = JSON.parse((await run(['--problem', writeProblem(json)])).stdout);
    const h = 1e-5;
    for (let j = 0; j < 3; j++) {
      const xp = Array.from(problem.x), xm = Array.from(problem.x);
      xp[j] = xp[j]! + h; xm[j] = xm[j]! - h;
      const fd = ((await phiAt(xp)) - (await phiAt(xm))) / (2 * h);
      expect(Math.abs(out.grad[j] - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    }
  });

  it('adds "estimate" with --estimator sobirl, reproducible from --seed', async () => {
    const argv = ['--problem', example('chain-preference.json'), '--estimator', 'sobirl', '--samples', '20000', '--seed', '3'];
    const a = await run(argv), b = await run(argv);
    expect(a.code).toBe(0);
    const out = JSON.parse(a.stdout);
    expect(Object.keys(out)).toEqual(['phi', 'grad', 'estimate']);
    expect(a.stdout).toBe(b.stdout);
    // 20,000 pairs: the estimate is close to the exact gradient (a loose check; the statistical
    // test with standard errors lives in trainer/tabular/hypergrad.test.ts).
    out.estimate.forEach((v: number, j: number) => expect(Math.abs(v - out.grad[j])).toBeLessThan(0.02 + 0.1 * Math.abs(out.grad[j])));
  });

  it('a malformed file: exit 2, every bad field named on stderr, nothing on stdout', async () => {
    const { code, stdout, stderr } = await run(['--problem', example('malformed.json')]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/tau: must be > 0/);
    expect(stderr).toMatch(/transitions\[0\]\[1\]: row sums to 0\.93, must sum to 1 \(tolerance 1e-6\)/);
  });

  it('a missing file, invalid JSON, bad flags and too-large problems exit 2 with a clear message', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--problem', '/nonexistent/p.json'], /file '\/nonexistent\/p\.json' does not exist/],
      [['--problem', writeProblemText('{ "transitions": ')], /not valid JSON/],
      [[], /--problem: is required/],
      [['--problem', example('chain-preference.json'), '--frobnicate'], /Unknown option '--frobnicate'/],
      [['--problem', example('chain-preference.json'), '--estimator', 'reinforce'], /--estimator: must be "sobirl"/],
      [['--problem', example('chain-preference.json'), '--estimator', 'sobirl', '--samples', '0'], /--samples: must be an integer/],
      [['--problem', example('chain-preference.json'), '--samples', '10'], /--samples: only applies with --estimator sobirl/],
      [['--problem', example('two-state-return.json'), '--estimator', 'sobirl'], /needs "preference"/],
      [['--problem', writeProblem(problemToJson(randomProblem({ seed: 1, S: 8, A: 5, n: 2, kind: 'preference', horizon: 4 })))], /upper\.horizon: .*\(8\*5\)\^4 > 200000/],
    ];
    for (const [argv, message] of cases) {
      const { code, stdout, stderr } = await run(argv);
      expect({ argv, code, stdout }).toEqual({ argv, code: 2, stdout: '' });
      expect(stderr).toMatch(message);
    }
  });

  it('end to end in a child process: exit codes 0 and 2 (npx tsx on a tiny script)', () => {
    const script = `import { runHypergrad } from ${JSON.stringify(path.join(root, 'trainer/cli/hypergrad.ts'))};
const io = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };
process.exitCode = await runHypergrad(process.argv.slice(2), io);`;
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'hypergrad-cli-')), 'main.mts');
    writeFileSync(file, script);
    const tsx = path.join(root, 'node_modules/.bin/tsx');
    const ok = spawnSync(tsx, [file, '--problem', example('chain-preference.json')], { encoding: 'utf8', cwd: root });
    expect(ok.status).toBe(0);
    expect(Object.keys(JSON.parse(ok.stdout))).toEqual(['phi', 'grad']);
    const bad = spawnSync(tsx, [file, '--problem', example('malformed.json')], { encoding: 'utf8', cwd: root });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/tau: must be > 0/);
  });
});

function writeProblemText(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'hypergrad-')), 'broken.json');
  writeFileSync(file, text);
  return file;
}

/**
 * The trainer's command line: `npm run sobirl -- <command> [flags]`.
 * Exit codes: 0 success, 1 unexpected failure, 2 bad input (usage or a malformed file).
 */
import { processIo, UsageError, type CliIo } from './cli/args';
import { runSimulate, SIMULATE_USAGE } from './cli/simulate';

const USAGE = `usage: npm run sobirl -- <command>
commands:
  hypergrad --problem FILE.json [--estimator sobirl --samples N --seed K]
  simulate  --env ENV --algo ALGO --labels N [--seeds K] [--pairs-per-iter M] [--json]
  sweep     --grid GRID.json --out RESULTS.json [--resume] [--table-only]   (tabular results tables)
  bench     throughput figures (env steps/s; reward-model and soft-Q updates/s per backend and kernel beside PyTorch's; tabular solve) [--quick] [--json] [--wide] [--no-torch]
${SIMULATE_USAGE}`;

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'hypergrad': {
        const { runHypergrad } = await import('./cli/hypergrad');
        return await runHypergrad(rest, io);
      }
      case 'simulate':
        return await runSimulate(rest, io);
      case 'sweep': {
        const { runSweepCommand } = await import('./cli/sweep');
        return await runSweepCommand(rest, io);
      }
      case 'bench': {
        const { runBench } = await import('./cli/bench');
        return await runBench(rest, io);
      }
      case undefined:
      case '--help':
      case 'help':
        io.stdout(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        io.stderr(`unknown command '${command}'\n${USAGE}\n`);
        return 2;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('trainer/cli.ts')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`error: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}

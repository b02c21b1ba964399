/**
 * Test fixture for supervisor.test.ts: a Supervisor over two stand-in children ("web" and
 * "trainer": plain node processes that idle and exit 0 on SIGTERM), wired to signals exactly as
 * scripts/start.ts wires it. Prints the supervisor's log lines on stdout.
 */
import { Supervisor } from '../supervisor';

// The SIGTERM handler goes in before 'child up' is printed: the test sends SIGTERM as soon as it
// reads that line, and a child descheduled between the two would die of the signal's default action.
const child = `process.on('SIGTERM', () => { console.log('child clean exit'); process.exit(0); }); console.log('child up'); setInterval(() => {}, 1000);`;
const supervisor = new Supervisor({ initialBackoffMs: 100, maxBackoffMs: 400 });
for (const name of ['web', 'trainer']) {
  supervisor.add({ name, command: process.execPath, args: ['-e', child], options: { stdio: 'inherit' } });
}
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void supervisor.stop(signal).then(() => {
      console.log('supervisor: all stopped');
      process.exit(0);
    });
  });
}

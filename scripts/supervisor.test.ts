import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeExit, nextBackoffMs } from './supervisor';

/**
 * The supervisor `npm start` runs its two processes under, as real processes: kill -9 a child
 * and it is back with a new pid (the log says why it died), the supervisor itself never exits
 * because a child died, and SIGTERM still stops everything cleanly (children get SIGTERM, exit 0).
 */
const fixture = path.join(import.meta.dirname, 'testing', 'supervised-children.ts');
const spawned: ChildProcess[] = [];
afterEach(() => {
  for (const p of spawned.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Collects stdout; waitFor resolves with the first line (after `from`) matching `re`. */
function watch(p: ChildProcess) {
  const lines: string[] = [];
  let buffer = '';
  const waiters: Array<() => void> = [];
  p.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  const waitFor = async (re: RegExp, from = 0, timeoutMs = 15_000): Promise<{ line: string; index: number }> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = lines.findIndex((l, i) => i >= from && re.test(l));
      if (index >= 0) return { line: lines[index]!, index };
      if (Date.now() > deadline) throw new Error(`no line matching ${re} in:\n${lines.join('\n')}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  };
  return { lines, waitFor };
}

const pidOf = (line: string) => Number(/pid (\d+)/.exec(line)![1]);

describe('Supervisor (npm start\'s process manager)', () => {
  it('restarts a child killed with SIGKILL, logs why, keeps running, and stops both on SIGTERM', async () => {
    const p = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    spawned.push(p);
    const out = watch(p);
    const web = await out.waitFor(/start: web running \(pid \d+\)/);
    const trainer = await out.waitFor(/start: trainer running \(pid \d+\)/);
    const webPid = pidOf(web.line), trainerPid = pidOf(trainer.line);
    const childrenUp = async (n: number) => {
      for (let i = 0; out.lines.filter((l) => l === 'child up').length < n; i++) {
        if (i > 150) throw new Error(`fewer than ${n} children came up:\n${out.lines.join('\n')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await childrenUp(2);

    // The first crash is restarted at once; a second one in a row waits the initial backoff.
    process.kill(trainerPid, 'SIGKILL');
    const died = await out.waitFor(/start: trainer exited with signal SIGKILL after [\d.]+ s; restarting in 0 ms \(restart 1\)/);
    const firstBack = await out.waitFor(/start: trainer running \(pid \d+\)/, died.index);
    expect(pidOf(firstBack.line)).not.toBe(trainerPid);
    await childrenUp(3);
    process.kill(pidOf(firstBack.line), 'SIGKILL');
    const diedAgain = await out.waitFor(/start: trainer exited with signal SIGKILL after [\d.]+ s; restarting in 100 ms \(restart 2\)/, firstBack.index);
    const back = await out.waitFor(/start: trainer running \(pid \d+\)/, diedAgain.index);
    expect(pidOf(back.line)).not.toBe(pidOf(firstBack.line));
    expect(alive(pidOf(back.line))).toBe(true);

    // The web child too; and a crash with an exit code is named as such.
    process.kill(webPid, 'SIGKILL');
    const webDied = await out.waitFor(/start: web exited with signal SIGKILL/);
    const webBack = await out.waitFor(/start: web running \(pid \d+\)/, webDied.index);
    expect(p.exitCode).toBeNull();
    // Both restarted children have installed their SIGTERM handlers (2 first starts + 3 restarts).
    await childrenUp(5);

    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    p.kill('SIGTERM');
    expect(await exited).toBe(0);
    await out.waitFor(/supervisor: all stopped/);
    expect(out.lines.filter((l) => l === 'child clean exit'), out.lines.join('\n')).toHaveLength(2);
    expect(alive(pidOf(webBack.line))).toBe(false);
    expect(alive(pidOf(back.line))).toBe(false);
  });

  it('waits 0 ms before the first restart, then the initial backoff, doubling up to the cap', () => {
    const delays = [0];
    for (let i = 0; i < 7; i++) delays.push(nextBackoffMs(delays.at(-1)!, 250, 8_000));
    expect(delays).toEqual([0, 250, 500, 1_000, 2_000, 4_000, 8_000, 8_000]);
  });

  it('names an exit by its code or its signal', () => {
    expect(describeExit(3, null)).toBe('exit code 3');
    expect(describeExit(null, 'SIGKILL')).toBe('signal SIGKILL');
  });
});

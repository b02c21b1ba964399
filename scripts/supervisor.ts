/**
 * Keeps long-running child processes up: `npm start` (scripts/start.ts) runs the web server and
 * the trainer service under one Supervisor. A child that dies (crash, OOM, kill -9) is logged
 * with why (exit code or signal, and how long it ran) and started again after an exponential
 * backoff; the supervisor never exits because one child died. stop() (SIGTERM / SIGINT in
 * start.ts) ends the restarts, forwards the signal and waits for every child to leave (SIGKILL
 * after `stopTimeoutMs`).
 *
 * Backoff: the first crash (of a child that had been up `healthyAfterMs`, 30 s, or since it
 * started) is restarted at once, with no delay; a second crash in a row waits `initialBackoffMs`
 * (250 ms), each further one twice as long, at most `maxBackoffMs` (8 s). One crash costs only
 * the child's own start; a crash loop does not spin the CPU.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface ChildSpec {
  /** Short name used in the log ("web", "trainer"). */
  name: string;
  command: string;
  args: readonly string[];
  options: SpawnOptions;
}

export interface SupervisorOptions {
  log?: (line: string) => void;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  healthyAfterMs?: number;
  stopTimeoutMs?: number;
}

interface Managed {
  spec: ChildSpec;
  child: ChildProcess | null;
  startedAt: number;
  backoffMs: number;
  restarts: number;
  timer: NodeJS.Timeout | null;
  exited: Promise<void>;
}

/** The wait before the restart after the one that waited `previousMs`: 0, then initial, doubling, capped. */
export function nextBackoffMs(previousMs: number, initialMs: number, maxMs: number): number {
  return previousMs === 0 ? initialMs : Math.min(maxMs, previousMs * 2);
}

/** "exit code 1", "signal SIGKILL": the reason a child left, for the log. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code ?? '?'}`;
}

export class Supervisor {
  private readonly managed = new Map<string, Managed>();
  private stopping = false;
  private readonly log: (line: string) => void;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly healthyAfterMs: number;
  private readonly stopTimeoutMs: number;

  constructor(options: SupervisorOptions = {}) {
    this.log = options.log ?? ((line) => console.log(line));
    this.initialBackoffMs = options.initialBackoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 8_000;
    this.healthyAfterMs = options.healthyAfterMs ?? 30_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  }

  /** Starts `spec` and keeps it running until stop(). */
  add(spec: ChildSpec): void {
    if (this.managed.has(spec.name)) throw new Error(`supervisor: a child named '${spec.name}' is already managed`);
    const entry: Managed = { spec, child: null, startedAt: 0, backoffMs: 0, restarts: 0, timer: null, exited: Promise.resolve() };
    this.managed.set(spec.name, entry);
    this.launch(entry);
  }

  /** The pid of a child now running (tests and the load bench kill it), or undefined. */
  pid(name: string): number | undefined {
    return this.managed.get(name)?.child?.pid;
  }

  restarts(name: string): number {
    return this.managed.get(name)?.restarts ?? 0;
  }

  private launch(entry: Managed): void {
    entry.timer = null;
    if (this.stopping) return;
    const child = spawn(entry.spec.command, [...entry.spec.args], entry.spec.options);
    entry.child = child;
    entry.startedAt = Date.now();
    this.log(`start: ${entry.spec.name} running (pid ${child.pid})`);
    entry.exited = new Promise<void>((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
        if (done) return;
        done = true;
        if (entry.child === child) entry.child = null;
        resolve();
        this.onExit(entry, code, signal, error);
      };
      child.on('exit', (code, signal) => finish(code, signal));
      // A spawn failure (missing binary) never emits 'exit': treat it as a crash too.
      child.on('error', (error) => finish(null, null, error));
    });
  }

  private onExit(entry: Managed, code: number | null, signal: NodeJS.Signals | null, error?: Error): void {
    const ranMs = Date.now() - entry.startedAt;
    if (this.stopping) {
      this.log(`start: ${entry.spec.name} stopped (${describeExit(code, signal)})`);
      return;
    }
    if (ranMs >= this.healthyAfterMs) entry.backoffMs = 0;
    const delay = entry.backoffMs;
    entry.backoffMs = nextBackoffMs(delay, this.initialBackoffMs, this.maxBackoffMs);
    entry.restarts++;
    const why = error ? `failed to start: ${error.message}` : `exited with ${describeExit(code, signal)}`;
    this.log(`start: ${entry.spec.name} ${why} after ${(ranMs / 1000).toFixed(1)} s; restarting in ${delay} ms (restart ${entry.restarts})`);
    entry.timer = setTimeout(() => this.launch(entry), delay);
  }

  /** No more restarts; `signal` to every child; resolves once all have exited (SIGKILL after the timeout). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.stopping = true;
    const waits: Promise<void>[] = [];
    for (const entry of this.managed.values()) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = null;
      const child = entry.child;
      if (!child) continue;
      child.kill(signal);
      const killer = setTimeout(() => {
        this.log(`start: ${entry.spec.name} did not stop within ${this.stopTimeoutMs} ms; SIGKILL`);
        child.kill('SIGKILL');
      }, this.stopTimeoutMs);
      waits.push(entry.exited.then(() => clearTimeout(killer)));
    }
    await Promise.all(waits);
  }
}

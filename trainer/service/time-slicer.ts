/**
 * Cooperative scheduling for the service's one thread (trainer/service/README.md, "How runs are scheduled"): a
 * neural iteration is seconds of synchronous tfjs work, during which no other run would tick and
 * no simulated annotator would answer. The long loops call `pause()` between units of work
 * (neural-engine.ts: one Q update, one collection round, one ensemble step); it yields to the event loop once the
 * current slice has run `sliceMs`, so other runs' ticks, annotators and timers run in between.
 * Yielding never changes what is computed: the units run in the same order with the same Rng.
 */
export class TimeSlicer {
  private sliceStart = performance.now();
  /** Yields so far, and the longest slice between two yields (ms): the bench and tests read them. */
  yields = 0;
  longestSliceMs = 0;
  /** Called at each yield, before other work gets its turn (the driver keeps its queue filled here). */
  onYield: (() => Promise<void> | void) | null = null;

  /** `sliceMs` = Infinity never yields (everything runs to completion, as before). */
  constructor(readonly sliceMs: number) {}

  /** Where the longest slice ended (the `where` of that pause): what to slice next. */
  longestSliceAt = '';

  /** @param where names the work just done, for `longestSliceAt` (e.g. 'q-updates'). */
  async pause(where = ''): Promise<void> {
    const ran = performance.now() - this.sliceStart;
    if (ran < this.sliceMs) return;
    if (ran > this.longestSliceMs) this.longestSliceAt = where;
    this.longestSliceMs = Math.max(this.longestSliceMs, ran);
    this.yields++;
    await this.onYield?.();
    // setImmediate, not a resolved promise: microtasks would run before I/O and timers get a turn.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.sliceStart = performance.now();
  }
}

/** Default slice: short enough that a 10 ms poll or a simulated label waits ~50 ms at most. */
export const DEFAULT_SLICE_MS = 50;

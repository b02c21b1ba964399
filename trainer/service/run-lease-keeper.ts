/**
 * This trainer process's run leases (db/run-leases.ts), kept for the service (trainer-service.ts):
 * each pass, of the active runs it may take (its engine kinds, TRAINER_ENGINES) it claims its fair
 * share of those nobody holds, and ticks only the runs it holds; a timer renews them well before
 * they expire; a clean stop gives them back. Another process that dies (kill -9, a lost machine)
 * stops renewing, and its runs are claimed here once their leases expire; the driver built for
 * such a run resumes from its newest checkpoint, as after a restart.
 */
import type { Db } from '../../db/client';
import { HEALTHY_WITHIN_MS } from '../../db/heartbeat';
import { claimRuns, releaseLeases, renewLeases, type HeldLease, type LeaseToken } from '../../db/run-leases';
import type { Run } from '../../db/schema';
import { trainerHeartbeats } from '../../db/schema';
import { and, gt, isNull, ne, sql } from 'drizzle-orm';
import { firstRow } from '../../db/dialect';

export interface RunLeaseKeeperOptions {
  db: Db;
  /** TRAINER_ID: must differ between processes that run at the same time. */
  holderId: string;
  /** How long a lease lasts without renewal (TRAINER_LEASE_MS). */
  leaseMs: number;
  /** Whether this process takes the run at all (its engine kind is in TRAINER_ENGINES). */
  takes: (run: Run) => boolean;
  log: (line: string) => void;
}

export class RunLeaseKeeper {
  private readonly held = new Map<number, HeldLease>();
  /** Renews while any lease is held, on its own timer: a long pass or iteration must not let them lapse. */
  private renewal: NodeJS.Timeout | null = null;

  constructor(private readonly options: RunLeaseKeeperOptions) {}

  /** Renew at this interval: three chances before a lease expires. */
  get renewEveryMs(): number {
    return Math.max(10, Math.floor(this.options.leaseMs / 3));
  }

  /** The lease a commit of the run must still find (undefined: not held here). */
  leaseOf(runId: number): LeaseToken | undefined {
    return this.held.get(runId);
  }

  heldRunIds(): number[] {
    return [...this.held.keys()];
  }

  /**
   * Of `active`, the runs this process holds after this pass's claims; it gives back the leases
   * of runs no longer active or no longer its kind, except those with a tick in flight (`busy`:
   * a run paused during its iteration still commits it, as with one trainer).
   */
  async sync(active: readonly Run[], now: number, busy: (runId: number) => boolean): Promise<Run[]> {
    const candidates = active.filter((run) => this.options.takes(run));
    const wanted = new Set(candidates.map((r) => r.id));
    const drop = new Map([...this.held].filter(([runId]) => !wanted.has(runId) && !busy(runId)).map(([runId, l]) => [runId, l.token]));
    if (drop.size > 0) {
      await releaseLeases(this.options.db, this.options.holderId, drop, now);
      for (const runId of drop.keys()) this.held.delete(runId);
    }
    const share = Math.ceil(candidates.length / (await this.liveTrainers(now)));
    const claimed = await claimRuns(this.options.db, {
      holderId: this.options.holderId, runIds: candidates.map((r) => r.id), held: this.tokens(), now, leaseMs: this.options.leaseMs,
      limit: Math.max(0, share - this.held.size),
    });
    for (const lease of claimed) {
      this.held.set(lease.runId, lease);
      this.options.log(`trainer=${this.options.holderId} claimed run ${lease.runId} (lease token ${lease.token})`);
    }
    if (this.held.size > 0 && !this.renewal) {
      this.renewal = setInterval(() => void this.renewLogged(), this.renewEveryMs);
      this.renewal.unref(); // never what keeps a process alive
    }
    return candidates.filter((run) => this.held.has(run.id));
  }

  /** Extends every lease held; the ones found lost (taken over after an expiry) are dropped and returned. */
  async renew(now: number): Promise<number[]> {
    if (this.held.size === 0) return [];
    const kept = await renewLeases(this.options.db, this.options.holderId, this.tokens(), now, this.options.leaseMs);
    const lost: number[] = [];
    for (const [runId, lease] of this.held) {
      if (kept.has(runId)) lease.expiresAt = now + this.options.leaseMs;
      else {
        this.held.delete(runId);
        lost.push(runId);
        this.options.log(`trainer=${this.options.holderId} lost its lease on run ${runId} (another trainer took it over after it expired); its iteration in flight, if any, will not commit`);
      }
    }
    return lost;
  }

  /** renew() on the timer; a failure is logged (the leases expire, and another trainer takes the runs over). */
  private async renewLogged(): Promise<void> {
    try {
      await this.renew(Date.now());
    } catch (error) {
      this.options.log(`trainer=${this.options.holderId}: renewing the run leases failed: ${(error as Error).message}`);
    }
  }

  /** Gives every lease back and stops renewing (a clean shutdown, after the ticks in flight committed). */
  async releaseAll(now: number): Promise<void> {
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = null;
    await releaseLeases(this.options.db, this.options.holderId, this.tokens(), now);
    this.held.clear();
  }

  private tokens(): Map<number, number> {
    return new Map([...this.held].map(([runId, l]) => [runId, l.token]));
  }

  /** Trainers beating now, this one included (before its first beat, too). */
  private async liveTrainers(now: number): Promise<number> {
    const row = await firstRow(this.options.db
      .select({ n: sql<number>`count(*)` })
      .from(trainerHeartbeats)
      .where(and(ne(trainerHeartbeats.trainerId, this.options.holderId), isNull(trainerHeartbeats.stoppedAt), gt(trainerHeartbeats.beatAt, now - HEALTHY_WITHIN_MS))));
    return 1 + (row?.n ?? 0);
  }
}

/**
 * Simulation mode: scripted teachers answer a run's queue through the SAME tRPC procedures the
 * labeling page calls (`label.next`, `label.submit`), as ordinary annotator accounts, so leases,
 * overlap, idempotency and the database are exercised exactly as with people.
 *
 * A teacher sees what a person sees, the clip, and knows the task: it scores a clip with the
 * environment's true reward, recomputed from the stored states and actions (env.step's reward
 * depends on (state, action) only, which holds for every registered env), plus, when the run's
 * `simulate.judgement` is 'scripted', the progress a person sees in the states (mountaincar's
 * and acrobot's swing; trainer/teachers/scripted.ts). B-Pref's "skip"
 * becomes the person's "can't tell", so skipped queries are stored, as a person's would be.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { users, type User } from '../../db/schema';
import { writeTx } from '../../db/transactions';
import { hashPassword, insertUser } from '../../db/users';
import { makeRng, type Rng } from '../core/rng';
import { bprefTeacher, judgeFor, makeTeacher, type Teacher, type TeacherConfig } from '../teachers';
import { choiceOf, type Choice } from '../contracts/choices';
import { clipToSegment, type ClipLike } from './label-rows';
import type { SimulateConfig } from '../contracts/run-config';
import { firstRow } from '../../db/dialect';

/** One annotator's view of the queue: the two procedures the labeling page calls. */
// The teacher's view of a clip is the simulation's too (label-rows.ts); tests import it from here.
export { clipToSegment, type ClipLike } from './label-rows';

export type LabelQueueCaller = {
  label: {
    next: (input: { runId: number }) => Promise<{ pair: { id: number; left: ClipLike; right: ClipLike } | null }>;
    submit: (input: { submissionId: string; pairId: number; choice: Choice; shownAt: number; answeredAt: number }) => Promise<unknown>;
  };
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The run's teacher: its B-Pref behaviour, judging by the true reward or the scripted judgement (trainer/teachers/scripted.ts). */
export function teacherFor(config: SimulateConfig['teacher'], judgement?: SimulateConfig['judgement']): Teacher {
  return makeTeacher(typeof config === 'string' ? bprefTeacher(config) : (config as Partial<TeacherConfig>), judgeFor(judgement));
}

/**
 * How simulated annotators reach the labeling queue: the web server's `label.next` /
 * `label.submit` procedures, injected by the composition root (scripts/trainer-port.ts builds
 * it from server/; the trainer never imports the web server). `connect` is called once per
 * simulation; `via` names the path taken, for the log.
 */
export interface LabelQueuePort {
  connect(db: Db, log: (line: string) => void): Promise<{ callerFor: (user: User) => LabelQueueCaller; via: string }>;
}

/** The annotator accounts of a run's simulation (created once, reused after restarts). */
async function simulatedUsers(db: Db, runId: number, count: number): Promise<User[]> {
  return writeTx(db, async (tx) => {
    const accounts: User[] = [];
    for (let i = 0; i < count; i++) {
      const email = `sim-run${runId}-${i + 1}@simulated.invalid`;
      const existing = await firstRow(tx.select().from(users).where(eq(users.email, email)));
      // A random password nobody knows: these accounts cannot sign in to the web app.
      accounts.push(existing ?? (await insertUser(tx, { email, name: `Simulated annotator ${i + 1} (run ${runId})`, role: 'annotator', passwordHash: hashPassword(randomBytes(16).toString('hex'), 4) })));
    }
    return accounts;
  });
}

export class SimulatedAnnotators {
  private running = false;
  private loops: Promise<void>[] = [];
  labelsSubmitted = 0;

  constructor(
    private readonly db: Db,
    readonly runId: number,
    readonly config: SimulateConfig,
    private readonly seed: number,
    private readonly log: (line: string) => void,
    private readonly queue: LabelQueuePort,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const teacher = teacherFor(this.config.teacher, this.config.judgement);
    const accounts = await simulatedUsers(this.db, this.runId, this.config.annotators);
    const { callerFor, via } = await this.queue.connect(this.db, this.log);
    this.loops = accounts.map((user, i) => this.annotate(callerFor(user), teacher, makeRng(this.seed * 1000 + i + 1)));
    this.log(`trainer run=${this.runId} simulation: ${accounts.length} scripted annotators (judging by ${this.config.judgement}) at ${this.config.labelsPerSecond || 'max'} labels/s each, via ${via}`);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async annotate(caller: LabelQueueCaller, teacher: Teacher, rng: Rng): Promise<void> {
    const pause = this.config.labelsPerSecond > 0 ? 1000 / this.config.labelsPerSecond : 0;
    while (this.running) {
      try {
        const { pair } = await caller.label.next({ runId: this.runId });
        if (!pair) {
          await sleep(100);
          continue;
        }
        const shownAt = Date.now();
        const answer = teacher.label(clipToSegment(pair.left), clipToSegment(pair.right), rng);
        const choice = choiceOf(answer.kind === 'skip' ? null : answer.y);
        if (pause > 0) await sleep(pause);
        if (!this.running) return; // the lease simply expires
        await caller.label.submit({ submissionId: randomUUID(), pairId: pair.id, choice, shownAt, answeredAt: Date.now() });
        this.labelsSubmitted++;
        // Let the trainer's loop run between labels even at full speed.
        if (pause === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      } catch (error) {
        // A lost lease (CONFLICT), a busy database: a person would just take the next pair.
        this.log(`trainer run=${this.runId} simulated annotator: ${(error as Error).message}`);
        await sleep(200);
      }
    }
  }
}

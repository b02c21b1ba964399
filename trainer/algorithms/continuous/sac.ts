/**
 * Soft Actor-Critic (Haarnoja et al. 2018, "SAC: algorithms and applications"), the lower level
 * of the continuous engine, on the dense-MLP kernel (dense-net.ts). Per update, on a replay
 * batch whose rewards the caller relabelled with the CURRENT reward model:
 *   critics:  y = r + gamma (1 - done) [ min_j Qtarg_j(s', a') - alpha log pi(a'|s') ],  a' ~ pi(.|s')
 *             L_Q = sum_j mean_B (Q_j(s, a) - y)^2
 *   actor:    L_pi = mean_B [ alpha log pi(a~|s) - min_j Q_j(s, a~) ],  a~ = tanh(mu + std eps) (reparameterised)
 *   alpha:    fixed (the bilevel's entropy weight tau), or auto-tuned as the authors' code does:
 *             L_alpha = mean_B [ -log alpha (log pi(a~|s) + H_target) ],  H_target = -A by default
 *   targets:  Polyak, Qtarg <- (1 - rho) Qtarg + rho Q, every update.
 * The networks persist across outer iterations (the warm start). The order (critics, then actor
 * with the updated critics, then alpha) is CleanRL's sac_continuous_action.py.
 */
import { makeRng, type Rng } from '../../core/rng';
import { Float32Adam } from '../../models/kernels/adam';
import { DenseNet } from './dense-net';
import type { ContinuousBatch } from './replay';
import { tanhGaussianBackward, tanhGaussianSample } from './tanh-gaussian';

export interface SacConfig {
  obsSize: number;
  actionSize: number;
  gamma: number;
  /** Hidden widths of the actor and of each critic. */
  hiddenSizes: number[];
  actorLearningRate: number;
  criticLearningRate: number;
  /** Transitions per update. */
  batchSize: number;
  /** Polyak rate rho of the target critics. */
  targetUpdateRate: number;
  /** 'fixed': alpha = `alpha` throughout (the bilevel's tau); 'auto': tuned towards `targetEntropy`. */
  entropy: 'fixed' | 'auto';
  /** The entropy weight, fixed, or the auto-tuner's start. */
  alpha: number;
  alphaLearningRate: number;
  /** Target entropy of the auto-tuner (null: -actionSize, the authors' heuristic). */
  targetEntropy: number | null;
  seed: number;
}

export const DEFAULT_SAC: Omit<SacConfig, 'obsSize' | 'actionSize' | 'gamma' | 'alpha' | 'seed'> = {
  hiddenSizes: [64, 64],
  actorLearningRate: 1e-3,
  criticLearningRate: 1e-3,
  batchSize: 128,
  targetUpdateRate: 0.005,
  entropy: 'auto',
  alphaLearningRate: 1e-3,
  targetEntropy: null,
};

/** r(s, a) for a batch: observations [rows, obsSize], normalised actions [rows, actionSize]. */
export type ContinuousRewardSource = (obs: Float32Array, actions: Float32Array, rows: number) => Float32Array;

export interface SacUpdateMetrics {
  criticLoss: number;
  actorLoss: number;
  alpha: number;
  /** Mean -log pi of the actor's fresh samples (an entropy estimate). */
  entropy: number;
}

/** The named float arrays of a learner's state, for checkpoints (trainer/contracts/continuous-checkpoint.ts). */
export type StateSections = Record<string, Float32Array>;

const CRITIC_TAPE_BATCH = 0, CRITIC_TAPE_POLICY = 1;

function standardNormals(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

/** [rows, O] and [rows, A] side by side: [rows, O + A] (the critics' input). */
export function concatRows(obs: Float32Array, actions: Float32Array, rows: number, O: number, A: number): Float32Array {
  const out = new Float32Array(rows * (O + A));
  for (let r = 0; r < rows; r++) {
    out.set(obs.subarray(r * O, (r + 1) * O), r * (O + A));
    out.set(actions.subarray(r * A, (r + 1) * A), r * (O + A) + O);
  }
  return out;
}

export class SacLearner {
  readonly actor: DenseNet;
  readonly critics: [DenseNet, DenseNet];
  readonly targets: [DenseNet, DenseNet];
  private logAlpha: number;
  private readonly alphaAdam: Float32Adam;
  readonly targetEntropy: number;
  /** Updates taken (checkpointed). */
  updates = 0;

  constructor(readonly config: SacConfig) {
    const { obsSize: O, actionSize: A, hiddenSizes: h, seed } = config;
    if (!(config.alpha > 0)) throw new Error(`sac: alpha must be > 0, got ${config.alpha}`);
    const init = makeRng(seed * 613 + 29);
    this.actor = new DenseNet([O, ...h, 2 * A], init, config.actorLearningRate);
    this.critics = [new DenseNet([O + A, ...h, 1], init, config.criticLearningRate), new DenseNet([O + A, ...h, 1], init, config.criticLearningRate)];
    this.targets = [new DenseNet([O + A, ...h, 1], init, 0), new DenseNet([O + A, ...h, 1], init, 0)];
    this.targets[0].setParams(this.critics[0].params());
    this.targets[1].setParams(this.critics[1].params());
    this.logAlpha = Math.log(config.alpha);
    this.alphaAdam = new Float32Adam(1, config.alphaLearningRate);
    this.targetEntropy = config.targetEntropy ?? -A;
  }

  get alpha(): number {
    return this.config.entropy === 'fixed' ? this.config.alpha : Math.exp(this.logAlpha);
  }

  /**
   * Actions of the current policy for `rows` observations: sampled (noise from `rng`), or the
   * deterministic tanh(mu) when `rng` is null (evaluation, as SAC papers report). Normalised.
   */
  act(obs: Float32Array, rows: number, rng: Rng | null): { actions: Float32Array; logProb: Float32Array } {
    const A = this.config.actionSize;
    const head = this.actor.forward(obs, rows);
    const s = tanhGaussianSample(head, rng ? standardNormals(rows * A, rng) : new Float32Array(rows * A), rows, A);
    return { actions: s.actions, logProb: s.logProb };
  }

  /** One SAC update on `batch` with rewards r [batch.size]; noise from `rng`. */
  update(batch: ContinuousBatch, rewards: Float32Array, rng: Rng): SacUpdateMetrics {
    const { obsSize: O, actionSize: A, gamma, targetUpdateRate } = this.config;
    const B = batch.size;
    const alpha = this.alpha;

    // Critic targets: a' ~ pi(.|s') from the current actor, the smaller target critic.
    const next = tanhGaussianSample(this.actor.forward(batch.nextObs, B), standardNormals(B * A, rng), B, A);
    const nextIn = concatRows(batch.nextObs, next.actions, B, O, A);
    const q1t = this.targets[0].forward(nextIn, B), q2t = this.targets[1].forward(nextIn, B);
    const y = new Float32Array(B);
    for (let n = 0; n < B; n++) y[n] = rewards[n]! + gamma * (1 - batch.done[n]!) * (Math.min(q1t[n]!, q2t[n]!) - alpha * next.logProb[n]!);

    let criticLoss = 0;
    const here = concatRows(batch.obs, batch.actions, B, O, A);
    for (const critic of this.critics) {
      const q = critic.forward(here, B, CRITIC_TAPE_BATCH);
      const dOut = new Float32Array(B);
      for (let n = 0; n < B; n++) {
        const e = q[n]! - y[n]!;
        criticLoss += (e * e) / B;
        dOut[n] = (2 * e) / B;
      }
      critic.backward(dOut, CRITIC_TAPE_BATCH);
      critic.step();
    }

    // Actor: reparameterised sample at s, through the (updated) critics' smaller value.
    const head = this.actor.forward(batch.obs, B);
    const sample = tanhGaussianSample(head, standardNormals(B * A, rng), B, A);
    const policyIn = concatRows(batch.obs, sample.actions, B, O, A);
    const qa = this.critics[0].forward(policyIn, B, CRITIC_TAPE_POLICY), qb = this.critics[1].forward(policyIn, B, CRITIC_TAPE_POLICY);
    const dA = new Float32Array(B), dB = new Float32Array(B);
    let actorLoss = 0, meanLogProb = 0;
    for (let n = 0; n < B; n++) {
      const useFirst = qa[n]! <= qb[n]!;
      (useFirst ? dA : dB)[n] = -1 / B;
      actorLoss += (alpha * sample.logProb[n]! - Math.min(qa[n]!, qb[n]!)) / B;
      meanLogProb += sample.logProb[n]! / B;
    }
    const inA = this.critics[0].backwardToInput(dA, CRITIC_TAPE_POLICY, false);
    const inB = this.critics[1].backwardToInput(dB, CRITIC_TAPE_POLICY, false);
    const dActions = new Float32Array(B * A);
    for (let n = 0; n < B; n++) for (let i = 0; i < A; i++) dActions[n * A + i] = inA[n * (O + A) + O + i]! + inB[n * (O + A) + O + i]!;
    const dLogProb = new Float32Array(B).fill(alpha / B);
    // The actor's tape still holds `head`'s pass (the critics have arenas of their own).
    this.actor.backward(tanhGaussianBackward(sample, dActions, dLogProb));
    this.actor.step();

    if (this.config.entropy === 'auto') {
      const logAlpha = Float32Array.of(this.logAlpha);
      this.alphaAdam.step(logAlpha, Float32Array.of(-(meanLogProb + this.targetEntropy)));
      this.logAlpha = logAlpha[0]!;
    }
    this.targets[0].trackTowards(this.critics[0], targetUpdateRate);
    this.targets[1].trackTowards(this.critics[1], targetUpdateRate);
    this.updates++;
    return { criticLoss, actorLoss, alpha, entropy: -meanLogProb };
  }

  /** Every weight and optimiser moment, named (checkpoints). */
  exportState(): { weights: StateSections; optimizer: StateSections } {
    return {
      weights: {
        actor: this.actor.params().slice(), critic1: this.critics[0].params().slice(), critic2: this.critics[1].params().slice(),
        target1: this.targets[0].params().slice(), target2: this.targets[1].params().slice(), logAlpha: Float32Array.of(this.logAlpha),
      },
      optimizer: {
        actor: this.actor.adam.exportState(), critic1: this.critics[0].adam.exportState(), critic2: this.critics[1].adam.exportState(),
        alpha: this.alphaAdam.exportState(), updates: Float32Array.of(this.updates),
      },
    };
  }

  /** Restores `exportState()`; throws (naming the section) on a missing or mis-sized one, leaving the learner unchanged. */
  importState(weights: StateSections, optimizer: StateSections): void {
    const nets: Array<[string, DenseNet]> = [['actor', this.actor], ['critic1', this.critics[0]], ['critic2', this.critics[1]], ['target1', this.targets[0]], ['target2', this.targets[1]]];
    const need = (sections: StateSections, name: string, length: number, what: string): Float32Array => {
      const v = sections[name];
      if (!v) throw new Error(`${what} '${name}' is missing`);
      if (v.length !== length) throw new Error(`${what} '${name}' holds ${v.length} values; this run's networks need ${length} (hidden sizes or env changed?)`);
      for (const x of v) if (!Number.isFinite(x)) throw new Error(`${what} '${name}' holds non-finite values`);
      return v;
    };
    const w = nets.map(([name, net]) => need(weights, name, net.paramCount, 'weights'));
    const la = need(weights, 'logAlpha', 1, 'weights');
    const o = nets.slice(0, 3).map(([name, net]) => need(optimizer, name, net.adam.stateLength, 'optimiser state'));
    const oa = need(optimizer, 'alpha', this.alphaAdam.stateLength, 'optimiser state');
    const up = need(optimizer, 'updates', 1, 'optimiser state');
    // Everything checked: only now write.
    nets.forEach(([, net], i) => net.setParams(w[i]!));
    nets.slice(0, 3).forEach(([, net], i) => net.adam.importState(o[i]!));
    this.alphaAdam.importState(oa);
    this.logAlpha = la[0]!;
    this.updates = up[0]!;
  }
}

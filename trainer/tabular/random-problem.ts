/**
 * Random tabular bilevel problems for tests and examples: random sparse-ish transitions, Gaussian
 * features and x, a random start distribution. Seeded: the same options give the same problem.
 */
import { makeRng } from '../core/rng';
import type { TabularProblem } from './problem';

export interface RandomProblemOptions {
  seed: number;
  S: number;
  A: number;
  n: number;
  gamma?: number;
  tau?: number;
  kind: 'return' | 'preference';
  /** Preference kind only. */
  horizon?: number;
  beta?: number;
  l2?: number;
  /** Probability that a next state is in the support of P(.|s,a) (default 0.6; at least one is). */
  density?: number;
  /** Scale of x (default 0.7): larger makes pi* more deterministic. */
  xScale?: number;
}

export function randomProblem(o: RandomProblemOptions): TabularProblem {
  const rng = makeRng(o.seed);
  const { S, A, n } = o;
  const density = o.density ?? 0.6;
  const P = new Float64Array(S * A * S);
  for (let sa = 0; sa < S * A; sa++) {
    let total = 0;
    const forced = rng.int(S);
    for (let s2 = 0; s2 < S; s2++) {
      if (s2 === forced || rng.next() < density) {
        const w = rng.next() + 0.05;
        P[sa * S + s2] = w;
        total += w;
      }
    }
    for (let s2 = 0; s2 < S; s2++) P[sa * S + s2] = P[sa * S + s2]! / total;
  }
  const features = Float64Array.from({ length: S * A * n }, () => rng.normal());
  const x = Float64Array.from({ length: n }, () => (o.xScale ?? 0.7) * rng.normal());
  const rhoRaw = Float64Array.from({ length: S }, () => rng.next() + 0.1);
  const rhoTotal = rhoRaw.reduce((t, v) => t + v, 0);
  const rho = rhoRaw.map((v) => v / rhoTotal);
  const trueReward = Float64Array.from({ length: S * A }, () => rng.normal());
  const mdp = { S, A, P, gamma: o.gamma ?? 0.8, tau: o.tau ?? 0.5 };
  const upper =
    o.kind === 'return'
      ? { kind: 'return' as const, trueReward, l2: o.l2 ?? 0.1 }
      : { kind: 'preference' as const, trueReward, horizon: o.horizon ?? 2, beta: o.beta ?? 2 };
  return { mdp, n, features, x, rho, upper };
}

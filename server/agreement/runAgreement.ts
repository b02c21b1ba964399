import type { Choice } from '@/db/schema';
import { cohensKappa, krippendorffAlphaNominal, median, strictMajority, type AlphaResult, type KappaResult } from './statistics';

/** One live (not undone) label of a run, as the agreement statistics need it. */
export interface AgreementLabel {
  pairId: number;
  /** A stable annotator key (the pseudonym in the API: agreement is not about who they are). */
  annotator: string;
  choice: Choice;
  responseMs: number;
}

/** A rate with its counts, so a reader can tell 1 of 1 from 90 of 100. */
export interface Rate {
  compared: number;
  agreed: number;
  rate: number | null;
}

export interface AnnotatorAgreement {
  annotator: string;
  /** All their live labels in the run, cant_tell included. */
  labels: number;
  cantTell: number;
  /** Over all their live labels, cant_tell included (the time spent deciding is real). */
  medianResponseMs: number | null;
  /**
   * Against the majority of the OTHER annotators of the same pair (leave-one-out, so one's own
   * label never votes for itself); pairs where the others tie, or nobody else answered, are skipped.
   */
  withMajority: Rate;
  /** Against gold answers (cant_tell aside); null when no gold map is given (the run has no gold pairs). */
  withGold: Rate | null;
}

export interface PairwiseKappa extends KappaResult {
  a: string;
  b: string;
}

export interface RunAgreement {
  annotators: number;
  labels: number;
  /** cant_tell labels: counted here, left out of every agreement statistic (they are no answer). */
  cantTellExcluded: number;
  /** Pairs with at least two answers (cant_tell aside): the overlap agreement is measured on. */
  overlappingPairs: number;
  alpha: AlphaResult;
  /** Cohen's kappa, only when exactly two annotators share pairs; otherwise see `pairwiseKappa`. */
  kappa: KappaResult | null;
  /** Cohen's kappa for every two annotators who share at least one answered pair. */
  pairwiseKappa: PairwiseKappa[];
  perAnnotator: AnnotatorAgreement[];
}

function rate(compared: number, agreed: number): Rate {
  return { compared, agreed, rate: compared === 0 ? null : agreed / compared };
}

/**
 * The agreement report of one run. Categories are left, right and equal; 'cant_tell' is
 * treated as missing (the annotator gave no preference). `gold` maps a pair id to its correct
 * answer: the seam for gold pairs, scored per annotator when given.
 */
export function runAgreement(labels: readonly AgreementLabel[], gold?: ReadonlyMap<number, Choice>): RunAgreement {
  const annotators = [...new Set(labels.map((l) => l.annotator))].sort();
  const answered = labels.filter((l) => l.choice !== 'cant_tell');
  // pair -> annotator -> choice (one live label per pair and user, by the schema's unique index)
  const byPair = new Map<number, Map<string, Choice>>();
  for (const l of answered) {
    let row = byPair.get(l.pairId);
    if (!row) byPair.set(l.pairId, (row = new Map()));
    row.set(l.annotator, l.choice);
  }
  const pairIds = [...byPair.keys()].sort((x, y) => x - y);
  const units = pairIds.map((p) => annotators.map((a) => byPair.get(p)!.get(a) ?? null));
  const alpha = krippendorffAlphaNominal(units);

  const pairwiseKappa: PairwiseKappa[] = [];
  for (let i = 0; i < annotators.length; i++) {
    for (let j = i + 1; j < annotators.length; j++) {
      const result = cohensKappa(units.map((u) => u[i]!), units.map((u) => u[j]!));
      if (result.n > 0) pairwiseKappa.push({ a: annotators[i]!, b: annotators[j]!, ...result });
    }
  }
  const sharing = new Set(pairwiseKappa.flatMap((k) => [k.a, k.b]));
  const kappa = sharing.size === 2 && pairwiseKappa.length === 1 ? pairwiseKappa[0]! : null;

  const perAnnotator = annotators.map((annotator): AnnotatorAgreement => {
    const own = labels.filter((l) => l.annotator === annotator);
    let compared = 0;
    let agreed = 0;
    let goldCompared = 0;
    let goldAgreed = 0;
    for (const l of own) {
      if (l.choice === 'cant_tell') continue;
      const others = [...byPair.get(l.pairId)!].filter(([a]) => a !== annotator).map(([, c]) => c);
      const majority = strictMajority(others);
      if (majority !== null) {
        compared++;
        if (majority === l.choice) agreed++;
      }
      const answer = gold?.get(l.pairId);
      if (answer !== undefined) {
        goldCompared++;
        if (answer === l.choice) goldAgreed++;
      }
    }
    return {
      annotator,
      labels: own.length,
      cantTell: own.length - own.filter((l) => l.choice !== 'cant_tell').length,
      medianResponseMs: median(own.map((l) => l.responseMs)),
      withMajority: rate(compared, agreed),
      withGold: gold ? rate(goldCompared, goldAgreed) : null,
    };
  });

  return {
    annotators: annotators.length,
    labels: labels.length,
    cantTellExcluded: labels.length - answered.length,
    overlappingPairs: alpha.units,
    alpha,
    kappa,
    pairwiseKappa,
    perAnnotator,
  };
}

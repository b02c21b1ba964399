/**
 * "Pairs waiting" is counted up to this many (label.status, on every label.next): an exact count
 * tests every pending pair of the run for this user, which with a queue of 2,000 pairs cost more
 * than the lease itself. The page shows "500+" at the cap. Pure, so the page can import it.
 */
export const PAIRS_WAITING_CAP = 500;

export function pairsWaitingText(n: number): string {
  return n >= PAIRS_WAITING_CAP ? `${PAIRS_WAITING_CAP}+` : String(n);
}

/**
 * Colours for the reward heat maps: a diverging scale centred on 0 (red negative, white 0, green
 * positive, as grid5 draws its pit and goal), each map scaled by its own largest |value|: a
 * learned reward is only identified up to scale (Bradley-Terry fixes it through the labels' noise).
 */

/** Per-state values: one action's column, or the mean over actions (`action` null). */
export function stateValues(table: readonly number[], S: number, A: number, action: number | null): number[] {
  return Array.from({ length: S }, (_, s) => {
    if (action !== null) return table[s * A + action]!;
    let total = 0;
    for (let a = 0; a < A; a++) total += table[s * A + a]!;
    return total / A;
  });
}

/** rgb() for v on a scale where +-scale are full green / red and 0 is white. */
export function divergingColor(v: number, scale: number): string {
  const t = scale > 0 ? Math.max(-1, Math.min(1, v / scale)) : 0;
  const mix = (from: number, to: number) => Math.round(from + (to - from) * Math.abs(t));
  return t >= 0 ? `rgb(${mix(255, 46)}, ${mix(255, 125)}, ${mix(255, 50)})` : `rgb(${mix(255, 198)}, ${mix(255, 40)}, ${mix(255, 40)})`;
}

export function maxAbs(values: readonly number[]): number {
  return values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

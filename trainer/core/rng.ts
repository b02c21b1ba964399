/**
 * Seeded pseudo-random numbers. Every random choice in the trainer goes through an `Rng`
 * so that the same seed gives the same episode, batch and label (never Math.random).
 *
 * Generator: sfc32 (Small Fast Counter, 128-bit state), seeded through splitmix32 so that
 * nearby integer seeds give unrelated streams.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Index drawn from a discrete distribution `p` (need not be normalised). */
  categorical(p: ArrayLike<number>): number;
  /** An independent generator derived from this one (for parallel streams). */
  fork(): Rng;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function makeRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`rng seed must be a finite number, got ${seed}`);
  const init = splitmix32(Math.floor(seed));
  let a = init(), b = init(), c = init(), d = init();
  let spareNormal: number | null = null;

  const nextUint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  // Warm up: the first outputs of sfc32 are correlated with the seed.
  for (let i = 0; i < 12; i++) nextUint32();

  const rng: Rng = {
    next: () => nextUint32() / 4294967296,
    int: (n) => {
      if (!(n > 0)) throw new Error(`rng.int needs n > 0, got ${n}`);
      return Math.floor(rng.next() * n);
    },
    normal: () => {
      if (spareNormal !== null) {
        const z = spareNormal;
        spareNormal = null;
        return z;
      }
      let u = 0;
      while (u === 0) u = rng.next();
      const v = rng.next();
      const r = Math.sqrt(-2 * Math.log(u));
      spareNormal = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    categorical: (p) => {
      let total = 0;
      for (let i = 0; i < p.length; i++) total += p[i]!;
      if (!(total > 0)) throw new Error('rng.categorical needs a positive total probability');
      let u = rng.next() * total;
      for (let i = 0; i < p.length; i++) {
        u -= p[i]!;
        if (u < 0) return i;
      }
      return p.length - 1; // rounding left u >= 0: the last index with mass
    },
    fork: () => makeRng(nextUint32()),
  };
  return rng;
}

/** Small seeded PRNG (mulberry32): the demo data must be the same for the same seed on every machine. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(rand: () => number, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

export function between(rand: () => number, lo: number, hi: number): number {
  return lo + rand() * (hi - lo);
}

/** Log-uniform: durations and rates spread over orders of magnitude, as real attacks do. */
export function logBetween(rand: () => number, lo: number, hi: number): number {
  return Math.exp(between(rand, Math.log(lo), Math.log(hi)));
}

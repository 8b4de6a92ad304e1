/**
 * Which time ranges a sync still has to read, from the ranges its ledger records as done: pure, so that the
 * rule that makes a sync count nothing twice can be read (and tested) apart from ClickHouse.
 */

/** [fromMs, toMs) */
export type Range = readonly [number, number];

/**
 * The parts of [fromMs, toMs) that no range of `done` covers, cut where chunks of `chunkMs` begin (multiples of
 * it, UTC), so that one sync step reads at most one chunk whatever the range asked for. Done ranges may have been
 * cut another way (another chunk length, a horizon or a feed start that has moved since): only what none of
 * them covers is returned, so a row is read by exactly one finished range.
 */
export function gaps(fromMs: number, toMs: number, done: readonly Range[], chunkMs: number): Range[] {
  const covered = [...done].filter(([a, b]) => b > fromMs && a < toMs).sort((x, y) => x[0] - y[0]);
  const free: Range[] = [];
  let at = fromMs;
  for (const [a, b] of covered) {
    if (a > at) free.push([at, Math.min(a, toMs)]);
    at = Math.max(at, b);
    if (at >= toMs) break;
  }
  if (at < toMs) free.push([at, toMs]);
  const out: Range[] = [];
  for (const [a, b] of free) {
    for (let s = a; s < b; ) {
      const next = Math.min(b, (Math.floor(s / chunkMs) + 1) * chunkMs);
      out.push([s, next]);
      s = next;
    }
  }
  return out;
}

/** The end of the range a layer may be synced to: the asked end, cut by the horizon and by the layer's feed start. */
export function syncEnd(toMs: number, horizonMs: number | undefined, feedFromMs: number | undefined): number {
  return Math.min(toMs, horizonMs ?? Infinity, feedFromMs ?? Infinity);
}

import { describe, expect, it } from 'vitest';
import { gaps, syncEnd, type Range } from '../src/source/sync-plan.js';

const H = 3_600_000;

/** Every millisecond boundary of the ranges, to tell whether two lists of ranges cover the same time, each once. */
function covered(ranges: readonly Range[]): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < sorted.length; i++) expect(sorted[i]![0]).toBeGreaterThanOrEqual(sorted[i - 1]![1]);
  const merged: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = merged.at(-1);
    if (last && last[1] === a) last[1] = b;
    else merged.push([a, b]);
  }
  return merged;
}

describe('the ranges a sync still has to read', () => {
  it('cuts an empty ledger on the chunk grid, with partial ends', () => {
    expect(gaps(1 * H + 5, 13 * H, [], 6 * H)).toEqual([[1 * H + 5, 6 * H], [6 * H, 12 * H], [12 * H, 13 * H]]);
  });

  it('reads only what no finished range covers, whatever lengths cut those', () => {
    const done: Range[] = [[0, 6 * H], [6 * H, 12 * H], [14 * H, 15 * H + 17], [20 * H, 30 * H]];
    expect(gaps(0, 24 * H, done, 12 * H)).toEqual([[12 * H, 14 * H], [15 * H + 17, 20 * H]]);
    expect(gaps(3 * H, 11 * H, done, H)).toEqual([]);
  });

  it('together with what was done, covers the asked range exactly once', () => {
    // A pseudo-random ledger of disjoint ranges, and many asked ranges and chunk lengths.
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    for (let trial = 0; trial < 200; trial++) {
      const done: Range[] = [];
      for (let at = rnd(5) * H; at < 48 * H; ) {
        const len = (1 + rnd(8)) * H + rnd(3) * 60_000;
        if (rnd(2)) done.push([at, at + len]);
        at += len + rnd(3) * H;
      }
      const from = rnd(24) * H + rnd(60) * 60_000;
      const to = from + (1 + rnd(30)) * H;
      const chunk = (1 + rnd(12)) * H;
      const todo = gaps(from, to, done, chunk);
      for (const [a, b] of todo) {
        expect(b).toBeGreaterThan(a);
        expect(Math.floor(a / chunk)).toBe(Math.floor((b - 1) / chunk)); // never across a chunk boundary
      }
      const clipped = done.filter(([a, b]) => b > from && a < to).map(([a, b]): Range => [Math.max(a, from), Math.min(b, to)]);
      expect(covered([...clipped, ...todo])).toEqual([[from, to]]);
    }
  });

  it('ends at the asked end, the horizon or the feed start, whichever comes first', () => {
    expect(syncEnd(10, undefined, undefined)).toBe(10);
    expect(syncEnd(10, 7, undefined)).toBe(7);
    expect(syncEnd(10, 7, 5)).toBe(5);
    expect(syncEnd(10, undefined, 12)).toBe(10);
  });
});

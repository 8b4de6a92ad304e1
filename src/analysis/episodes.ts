import type { Layer } from '../report/model.js';

/**
 * Attack episodes detected from minute series, for telemetry without provider attack ids. Pure: series in,
 * episodes out. Per (layer, vector) series, a minute is "hot" when it stands clearly above that series' own
 * baseline (robust statistics, so that a noisy or diurnal level never becomes an attack); hot minutes form
 * islands, and islands of one vector closer than the merge gap join. Islands of different vectors of one layer
 * become one multi-vector episode only when they overlap in time: reflection attacks of several vectors run
 * one after another a few minutes apart are separate attacks (CIC-DDoS2019 records exactly that).
 *
 * Short islands are dropped as blips only where the series has a baseline (its median minute is above zero),
 * since only there can noise cross the threshold. A vector series that is silent outside its bursts carries
 * nothing but traffic labelled with that vector, so a burst inside one minute (a flow export, whose flows are
 * all stamped with their start) is an attack like any other.
 *
 * Known limit: the test is on the minute's estimated volume. Where a series is a few heavily weighted samples a
 * minute (sparse sampling of low traffic), sampling noise alone can cross it; such series need the minute's
 * sample count as well before they can be trusted, so callers currently pass vector-labelled series.
 */

export interface MinutePoint {
  /** Unix seconds of the minute's start. */
  minute: number;
  value: number;
}

export interface Series {
  layer: Layer;
  vector: string;
  points: MinutePoint[];
}

export interface DetectOptions {
  /** Islands separated by at most this many quiet minutes are one episode. */
  mergeGapMinutes: number;
  /** Shorter runs of hot minutes are dropped as blips (in series with a baseline; see above). */
  minDurationMinutes: number;
  /** A hot minute exceeds the median by this many robust standard deviations (MAD × 1.4826)... */
  madFactor: number;
  /** ...and is at least this many times the median... */
  medianRatio: number;
  /** ...and exceeds this absolute floor (packets or events per minute). */
  floor: number;
}

export const DEFAULT_DETECT: DetectOptions = { mergeGapMinutes: 5, minDurationMinutes: 2, madFactor: 6, medianRatio: 3, floor: 0 };

export interface Island {
  layer: Layer;
  vector: string;
  /** Unix seconds; end is exclusive (the minute after the last hot minute). */
  start: number;
  end: number;
  total: number;
  peak: number;
  peakMinute: number;
  /** The series' value for every minute of [start, end). */
  values: number[];
}

export interface Episode {
  layer: Layer;
  vectors: string[];
  start: number;
  end: number;
  /** Largest one-minute sum across the episode's vectors. */
  peak: number;
  peakMinute: number;
  total: number;
  islands: Island[];
}

function median(sorted: number[]): number {
  if (sorted.length === 0) return 0;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The level above which a minute of this series counts as attack traffic. */
export function threshold(values: number[], opts: DetectOptions): number {
  const sorted = [...values].sort((a, b) => a - b);
  const med = median(sorted);
  const mad = median(sorted.map((v) => Math.abs(v - med)).sort((a, b) => a - b)) * 1.4826;
  return Math.max(med + opts.madFactor * mad, med * opts.medianRatio, opts.floor);
}

/**
 * Hot islands of one series over the window [fromS, toS) (unix seconds, minute-aligned). Minutes missing from
 * the series count as zero.
 */
export function detectIslands(series: Series, fromS: number, toS: number, opts: DetectOptions = DEFAULT_DETECT): Island[] {
  const n = Math.max(0, Math.round((toS - fromS) / 60));
  const values = new Array<number>(n).fill(0);
  for (const p of series.points) {
    const i = Math.round((p.minute - fromS) / 60);
    if (i >= 0 && i < n) values[i] = (values[i] ?? 0) + p.value;
  }
  const limit = threshold(values, opts);
  const hasBaseline = median([...values].sort((a, b) => a - b)) > 0;
  const islands: Island[] = [];
  let current: Island | null = null;
  let lastHot = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v <= limit) continue;
    const minute = fromS + i * 60;
    if (current && i - lastHot - 1 <= opts.mergeGapMinutes) {
      current.end = minute + 60;
    } else {
      if (current) islands.push(current);
      current = { layer: series.layer, vector: series.vector, start: minute, end: minute + 60, total: 0, peak: 0, peakMinute: minute, values: [] };
    }
    lastHot = i;
  }
  if (current) islands.push(current);
  // Totals and peaks over the island's whole span, quiet minutes inside it included.
  for (const island of islands) {
    for (let m = island.start; m < island.end; m += 60) {
      const v = values[(m - fromS) / 60]!;
      island.values.push(v);
      island.total += v;
      if (v > island.peak) {
        island.peak = v;
        island.peakMinute = m;
      }
    }
  }
  return hasBaseline ? islands.filter((x) => (x.end - x.start) / 60 >= opts.minDurationMinutes) : islands;
}

/** Joins islands of one layer that overlap in time into multi-vector episodes (one vector's islands are already joined across gaps). */
export function mergeIslands(islands: Island[]): Episode[] {
  const episodes: Episode[] = [];
  for (const layer of ['L3/4', 'L7'] as const) {
    const sorted = islands.filter((x) => x.layer === layer).sort((a, b) => a.start - b.start || a.vector.localeCompare(b.vector));
    let current: Episode | null = null;
    for (const island of sorted) {
      if (current && island.start < current.end) {
        current.end = Math.max(current.end, island.end);
        current.islands.push(island);
      } else {
        if (current) episodes.push(current);
        current = { layer, vectors: [], start: island.start, end: island.end, peak: 0, peakMinute: island.start, total: 0, islands: [island] };
      }
    }
    if (current) episodes.push(current);
  }
  for (const e of episodes) {
    e.vectors = [...new Set(e.islands.map((x) => x.vector))].sort();
    e.total = e.islands.reduce((s, x) => s + x.total, 0);
    // The episode's peak is the busiest minute of all its vectors together.
    const byMinute = new Map<number, number>();
    for (const x of e.islands) x.values.forEach((v, i) => byMinute.set(x.start + i * 60, (byMinute.get(x.start + i * 60) ?? 0) + v));
    for (const [minute, v] of byMinute) {
      if (v > e.peak || (v === e.peak && minute < e.peakMinute)) {
        e.peak = v;
        e.peakMinute = minute;
      }
    }
  }
  return episodes.sort((a, b) => a.start - b.start || a.layer.localeCompare(b.layer));
}

/** Detects episodes across all series of a tenant and window. */
export function detectEpisodes(series: Series[], fromS: number, toS: number, opts: DetectOptions = DEFAULT_DETECT): Episode[] {
  return mergeIslands(series.flatMap((s) => detectIslands(s, fromS, toS, opts)));
}

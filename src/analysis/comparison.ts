import type { Layer } from '../report/model.js';

/**
 * The figures of one period that the comparison needs: a subset of the report model, so the current period
 * passes its own attacks, vectors and totals and the previous period is assembled the same way.
 */
export interface PeriodFigures {
  attacks: { layer: Layer; peakBps: number; peakPps: number; peakRps: number }[];
  vectors: { layer: Layer; vector: string; bytes: number; events: number }[];
  totals: { l34: { attackBytes: number; attackPackets: number }; l7: { attackEvents: number; mitigatedEvents: number } };
}

export type MetricUnit = 'count' | 'bytes' | 'packets' | 'events' | 'bps' | 'pps' | 'rps';

export interface Comparison {
  previous: { from: string; to: string };
  metrics: { metric: string; label: string; unit: MetricUnit; current: number; previous: number; change: number | null }[];
  vectors: { layer: Layer; vector: string; unit: 'bytes' | 'events'; current: number; previous: number; change: number | null; isNew: boolean }[];
  newVectors: { layer: Layer; vector: string }[];
  newTargets: { kind: 'ip' | 'host'; value: string }[];
}

/** Relative change; null when there is nothing to compare with (the previous value is zero). */
export function change(current: number, previous: number): number | null {
  return previous > 0 ? (current - previous) / previous : null;
}

const maxOf = (xs: number[]) => xs.reduce((m, x) => Math.max(m, x), 0);

/**
 * Period over period: the same figures for this window and the previous window of the same length, with the
 * change in percent, and what is new this period (vectors, and targets not attacked before). Pure.
 */
export function comparePeriods(
  current: PeriodFigures,
  previous: PeriodFigures,
  previousWindow: { from: string; to: string },
  currentTargets: { kind: 'ip' | 'host'; value: string }[],
  targetsSeenBefore: { kind: 'ip' | 'host'; value: string }[],
): Comparison {
  const metric = (key: string, label: string, unit: MetricUnit, pick: (p: PeriodFigures) => number) => {
    const c = pick(current);
    const p = pick(previous);
    return { metric: key, label, unit, current: c, previous: p, change: change(c, p) };
  };
  const count = (layer?: Layer) => (p: PeriodFigures) => p.attacks.filter((a) => !layer || a.layer === layer).length;
  const metrics = [
    metric('attacks', 'Attacks', 'count', count()),
    metric('l34Attacks', 'Network-layer attacks', 'count', count('L3/4')),
    metric('l7Attacks', 'Application-layer attacks', 'count', count('L7')),
    metric('l34AttackBytes', 'Network-layer attack traffic', 'bytes', (p) => p.totals.l34.attackBytes),
    metric('l34AttackPackets', 'Network-layer attack packets', 'packets', (p) => p.totals.l34.attackPackets),
    metric('l7AttackEvents', 'Application-layer attack requests', 'events', (p) => p.totals.l7.attackEvents),
    metric('l7MitigatedEvents', 'Mitigated application-layer requests', 'events', (p) => p.totals.l7.mitigatedEvents),
    metric('largestBps', 'Largest attack (bit rate)', 'bps', (p) => maxOf(p.attacks.map((a) => a.peakBps))),
    metric('largestPps', 'Largest attack (packet rate)', 'pps', (p) => maxOf(p.attacks.map((a) => a.peakPps))),
    metric('largestRps', 'Largest attack (request rate)', 'rps', (p) => maxOf(p.attacks.map((a) => a.peakRps))),
  ];
  const key = (v: { layer: Layer; vector: string }) => `${v.layer}\u0000${v.vector}`;
  const before = new Map(previous.vectors.map((v) => [key(v), v]));
  const vectors = current.vectors.map((v) => {
    const unit = v.layer === 'L7' ? ('events' as const) : ('bytes' as const);
    const value = (x: { bytes: number; events: number }) => (unit === 'events' ? x.events : x.bytes);
    const prev = before.get(key(v));
    return { layer: v.layer, vector: v.vector, unit, current: value(v), previous: prev ? value(prev) : 0, change: prev ? change(value(v), value(prev)) : null, isNew: !prev };
  });
  const seen = new Set(targetsSeenBefore.map((t) => `${t.kind}\u0000${t.value}`));
  return {
    previous: previousWindow,
    metrics,
    vectors,
    newVectors: vectors.filter((v) => v.isNew).map(({ layer, vector }) => ({ layer, vector })),
    newTargets: currentTargets.filter((t) => !seen.has(`${t.kind}\u0000${t.value}`)),
  };
}

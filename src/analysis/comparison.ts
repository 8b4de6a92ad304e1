import type { Layer } from '../report/model.js';

/**
 * The figures of one period that the comparison needs: a subset of the report model, so the current period
 * passes its own attacks, vectors and totals and the previous period is assembled the same way.
 */
export interface PeriodFigures {
  attacks: { layer: Layer; peakBps: number; peakPps: number; peakRps: number }[];
  vectors: { layer: Layer; vector: string; bytes: number; packets: number; events: number }[];
  totals: {
    l34: { packets: number; attackBytes: number; attackPackets: number };
    l7: { events: number; attackEvents: number; mitigatedEvents: number };
  };
}

export type MetricUnit = 'count' | 'bytes' | 'packets' | 'events' | 'bps' | 'pps' | 'rps';

/**
 * How a row reads: `change` (both periods have it), `new` (only this one), `gone` (only the previous one),
 * `none` (neither), `no-data` (the previous period has no data at all, so nothing can be said about it).
 */
export type ChangeStatus = 'change' | 'new' | 'gone' | 'none' | 'no-data';

export interface Comparison {
  previous: { from: string; to: string };
  /** False when the previous window holds no traffic and no security event at all (before the data starts). */
  previousHasData: boolean;
  metrics: { metric: string; label: string; unit: MetricUnit; current: number; previous: number; change: number | null; status: ChangeStatus }[];
  /** Vectors of either period: those that went away are listed too (current 0, status gone). */
  vectors: {
    layer: Layer; vector: string; unit: 'bytes' | 'packets' | 'events'; current: number; previous: number; change: number | null; isNew: boolean; status: ChangeStatus;
  }[];
  newVectors: { layer: Layer; vector: string }[];
  /** Vectors of the previous period not seen in this one. */
  goneVectors: { layer: Layer; vector: string }[];
  newTargets: { kind: 'ip' | 'host'; value: string }[];
}

/** Relative change; null when there is nothing to compare with (the previous value is zero). */
export function change(current: number, previous: number): number | null {
  return previous > 0 ? (current - previous) / previous : null;
}

function status(current: boolean, previous: boolean, previousHasData: boolean): ChangeStatus {
  if (!previousHasData) return 'no-data';
  if (current && previous) return 'change';
  return current ? 'new' : previous ? 'gone' : 'none';
}

const maxOf = (xs: number[]) => xs.reduce((m, x) => Math.max(m, x), 0);

/** Whether a period holds any data at all (traffic of any kind, or security events). */
export const hasData = (p: PeriodFigures) => p.totals.l34.packets > 0 || p.totals.l7.events > 0;

/**
 * Period over period: the same figures for this window and the previous window of the same length, with the
 * change in percent, what is new this period (vectors, and targets not attacked before) and which vectors
 * went away. A previous window without any data compares with nothing: every row says so. Pure.
 */
export function comparePeriods(
  current: PeriodFigures,
  previous: PeriodFigures,
  previousWindow: { from: string; to: string },
  currentTargets: { kind: 'ip' | 'host'; value: string }[],
  targetsSeenBefore: { kind: 'ip' | 'host'; value: string }[],
): Comparison {
  const previousHasData = hasData(previous);
  const metric = (key: string, label: string, unit: MetricUnit, pick: (p: PeriodFigures) => number) => {
    const c = pick(current);
    const p = pick(previous);
    return { metric: key, label, unit, current: c, previous: p, change: previousHasData ? change(c, p) : null, status: status(c > 0, p > 0, previousHasData) };
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
  const now = new Map(current.vectors.map((v) => [key(v), v]));
  const before = new Map(previous.vectors.map((v) => [key(v), v]));
  const none = { bytes: 0, packets: 0, events: 0 };
  // This period's vectors in its order, then those only the previous period had.
  const keys = [...now.keys(), ...[...before.keys()].filter((k) => !now.has(k))];
  const vectors = keys.map((k) => {
    const c = now.get(k);
    const p = before.get(k);
    const { layer, vector } = (c ?? p)!;
    // Bytes, unless the vector carried none in either period (a SYN flood's flows without payload): packets then.
    const unit = layer === 'L7' ? ('events' as const) : (c?.bytes ?? 0) + (p?.bytes ?? 0) > 0 ? ('bytes' as const) : ('packets' as const);
    const cur = (c ?? none)[unit];
    const prev = (p ?? none)[unit];
    const st = status(c !== undefined, p !== undefined, previousHasData);
    return { layer, vector, unit, current: cur, previous: prev, change: st === 'change' || st === 'gone' ? change(cur, prev) : null, isNew: st === 'new', status: st };
  });
  const seen = new Set(targetsSeenBefore.map((t) => `${t.kind}\u0000${t.value}`));
  return {
    previous: previousWindow,
    previousHasData,
    metrics,
    vectors,
    newVectors: vectors.filter((v) => v.status === 'new').map(({ layer, vector }) => ({ layer, vector })),
    goneVectors: vectors.filter((v) => v.status === 'gone').map(({ layer, vector }) => ({ layer, vector })),
    newTargets: previousHasData ? currentTargets.filter((t) => !seen.has(`${t.kind}\u0000${t.value}`)) : [],
  };
}

import type { ClickHouseTarget } from '../clickhouse/client.js';
import { toNumber } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';
import { toClickHouseTime, wholeHours } from '../clickhouse/time.js';
import { comparePeriods, type Comparison, type PeriodFigures } from '../analysis/comparison.js';
import { displayIp } from '../util/format.js';
import { detectedAttacks } from './detected.js';
import type { ReportRequest } from './build.js';
import type { Layer } from './model.js';

type Row = Record<string, unknown>;
const n = toNumber;
const s = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** The previous window's figures and which of the current targets it saw: everything the comparison reads. */
export interface PreviousPeriod {
  window: { fromMs: number; toMs: number };
  figures: PeriodFigures;
  seen: { kind: 'ip' | 'host'; value: string }[];
}

/**
 * Period over period: the previous window of the same length, assembled like the current period (provider
 * attacks, or detected ones where the data has no attack ids), compared with the current period's figures.
 * `currentTargets` are the current top destination IPs and hosts, as stored (IPv6 text), to tell which are new.
 */
export async function compareWithPreviousPeriod(
  target: ClickHouseTarget,
  req: ReportRequest,
  current: PeriodFigures,
  currentTargets: { kind: 'ip' | 'host'; value: string }[],
): Promise<Comparison> {
  return comparedWith(current, currentTargets, await loadPreviousPeriod(target, req, currentTargets));
}

/**
 * The previous period's queries, which need only the request and the current targets: buildReport starts them
 * beside the current period's analysis, so that a server runs them at the same time.
 */
export async function loadPreviousPeriod(
  target: ClickHouseTarget,
  req: ReportRequest,
  currentTargets: { kind: 'ip' | 'host'; value: string }[],
): Promise<PreviousPeriod> {
  const lengthMs = req.window.toMs - req.window.fromMs;
  const window = { ...req.window, fromMs: req.window.fromMs - lengthMs, toMs: req.window.fromMs };
  const hours = wholeHours(window.fromMs, window.toMs);
  const params = {
    account: req.accountId,
    zones: req.zoneIds,
    from: toClickHouseTime(window.fromMs),
    to: toClickHouseTime(window.toMs),
    hourFrom: toClickHouseTime(hours.fromMs),
    hourTo: toClickHouseTime(hours.toMs),
  };
  const q = (name: string, extra: Row = {}) => selectRows<Row>(target, `report/${name}`, { ...params, ...extra });
  const [l34Totals, l7Totals, l34Vectors, l7Vectors, l34Attacks, l7Attacks, seen] = await Promise.all([
    q('l34_totals'), q('l7_totals'), q('l34_vectors'), q('l7_vectors'), q('l34_attacks'), q('l7_attacks'),
    q('seen_targets', {
      ips: currentTargets.filter((t) => t.kind === 'ip').map((t) => t.value),
      hosts: currentTargets.filter((t) => t.kind === 'host').map((t) => t.value),
    }),
  ]);
  const vectors = [
    ...l34Vectors.map((r) => ({ layer: 'L3/4' as Layer, vector: s(r.vector), bytes: n(r.bytes), packets: n(r.packets), events: 0 })),
    ...l7Vectors.map((r) => ({ layer: 'L7' as Layer, vector: s(r.vector), bytes: 0, packets: 0, events: n(r.events) })),
  ];
  const providerAttacks = [
    ...l34Attacks.map((r) => ({ layer: 'L3/4' as Layer, peakBps: n(r.peakBps), peakPps: n(r.peakPps), peakRps: 0 })),
    ...l7Attacks.map((r) => ({ layer: 'L7' as Layer, peakBps: 0, peakPps: 0, peakRps: n(r.peakRps) })),
  ];
  const detected = await detectedAttacks(target, { ...req, window }, { providerAttacks, vectors });
  const t34 = l34Totals[0] ?? {};
  const t7 = l7Totals[0] ?? {};
  const previous: PeriodFigures = {
    attacks: [...providerAttacks, ...detected],
    vectors,
    totals: {
      l34: { packets: n(t34.packets), attackBytes: n(t34.attackBytes), attackPackets: n(t34.attackPackets) },
      l7: { events: n(t7.events), attackEvents: n(t7.attackEvents), mitigatedEvents: n(t7.mitigatedEvents) },
    },
  };
  return { window, figures: previous, seen: seen.map((r) => ({ kind: r.dimension === 'host' ? ('host' as const) : ('ip' as const), value: s(r.value) })) };
}

/** The comparison of the current period with a loaded previous one. */
export function comparedWith(current: PeriodFigures, currentTargets: { kind: 'ip' | 'host'; value: string }[], previous: PreviousPeriod): Comparison {
  const { window } = previous;
  const comparison = comparePeriods(
    current,
    previous.figures,
    { from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString() },
    currentTargets,
    previous.seen,
  );
  // Targets are shown the way people write them.
  comparison.newTargets = comparison.newTargets.map((t) => ({ ...t, value: t.kind === 'ip' ? displayIp(t.value) : t.value }));
  return comparison;
}

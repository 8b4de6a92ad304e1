import { createHash } from 'node:crypto';
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { toNumber } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';
import { together } from '../clickhouse/together.js';
import { vectorFamily } from '../analysis/taxonomy.js';
import { summarize } from '../analysis/summary.js';
import { passedDuringAttacks } from '../analysis/efficacy.js';
import { DURATION_BUCKETS, SIZE_BUCKETS, bucketLabel, durationBucket, sizeBucket } from '../analysis/buckets.js';
import { displayIp } from '../util/format.js';
import { detectedAttacks } from './detected.js';
import { dataCoverage } from './coverage.js';
import { comparedWith, loadPreviousPeriod } from './previous.js';
import { analyseTraffic, DEFAULT_MAX_COLLATERAL_SHARE } from './traffic.js';
import { rollupBounds, toClickHouseTime, wholeHours } from '../clickhouse/time.js';
import { SCHEMA_VERSION, type AttackRow, type ReportModel, type TopItem, type VectorRow } from './model.js';
import { timelineBucketSeconds, type ReportWindow } from './window.js';

export interface ReportRequest {
  accountId: string;
  zoneIds: string[];
  window: ReportWindow;
  /** Bound on a suggested rule's collateral share (0..1); DEFAULT_MAX_COLLATERAL_SHARE when absent. */
  maxCollateralShare?: number;
  /** Timeline bucket in seconds; by default about 100-300 bars over the window (an incident report asks for 60). */
  timelineBucketSeconds?: number;
}

type Row = Record<string, unknown>;
const n = toNumber;
const s = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const iso = (unixSeconds: unknown) => new Date(n(unixSeconds) * 1000).toISOString();

const SPOOFING_CAVEAT =
  'Source addresses of network-layer attacks are often spoofed, so L3/4 sources are attributed to the data centre ' +
  'that received the traffic and to the announcing network of the (possibly forged) source address; treat ASNs as indicative.';

type Foundation = Awaited<ReturnType<typeof foundationQueries>>;

/**
 * The report's first queries, all independent of each other and bound to the tenant and window: run together
 * (a server runs them at the same time; in-process chDB one by one). Exported for the bench, which times them.
 */
export function foundationQueries(target: ClickHouseTarget, req: ReportRequest) {
  const { window } = req;
  const params = reportParams(req);
  const bucketSeconds = req.timelineBucketSeconds ?? timelineBucketSeconds(window.toMs - window.fromMs);
  const hours = wholeHours(window.fromMs, window.toMs);
  const hourParams = { hourFrom: toClickHouseTime(hours.fromMs), hourTo: toClickHouseTime(hours.toMs) };
  const q = (name: string, extra: Record<string, unknown> = {}) => selectRows<Row>(target, `report/${name}`, { ...params, ...extra });
  return Promise.all([
    q('tenant'), q('l34_totals'), q('l7_totals'), q('l34_vectors'), q('l7_vectors'),
    q('l34_timeline', { bucketSeconds }), q('l7_timeline', { bucketSeconds }), q('l34_attacks'), q('l7_attacks'),
    q('l34_top', hourParams), q('l7_top', hourParams), q('l34_attack_targets', hourParams), q('l7_attack_targets', hourParams),
    q('l34_mitigation'), q('l7_mitigation'), dataCoverage(target, req),
  ]);
}

const reportParams = (req: ReportRequest) => ({
  account: req.accountId,
  zones: req.zoneIds,
  from: toClickHouseTime(req.window.fromMs),
  to: toClickHouseTime(req.window.toMs),
});

/** Runs the report's queries (all bound to the tenant and window) and assembles the report model. */
export async function buildReport(target: ClickHouseTarget, req: ReportRequest): Promise<ReportModel> {
  const { window } = req;
  const params = reportParams(req);
  const bucketSeconds = req.timelineBucketSeconds ?? timelineBucketSeconds(window.toMs - window.fromMs);
  const [
    tenantRows, l34Totals, l7Totals, l34Vectors, l7Vectors, l34Timeline, l7Timeline, l34Attacks, l7Attacks,
    l34Top, l7Top, l34Targets, l7Targets, l34Mitigation, l7Mitigation, coverage,
  ]: Foundation = await foundationQueries(target, req);
  const targetOf = (rows: Row[], id: string, dimension: string) => rows.find((r) => s(r.attackId) === id && r.dimension === dimension);

  const currentTargets = [
    ...l34Top.filter((r) => r.dimension === 'ip').map((r) => ({ kind: 'ip' as const, value: s(r.value) })),
    ...l7Top.filter((r) => r.dimension === 'host').map((r) => ({ kind: 'host' as const, value: s(r.value) })),
  ];

  const t34 = l34Totals[0] ?? {};
  const t7 = l7Totals[0] ?? {};
  const totals: ReportModel['totals'] = {
    l34: {
      packets: n(t34.packets), bytes: n(t34.bytes), droppedPackets: n(t34.droppedPackets), droppedBytes: n(t34.droppedBytes),
      attackPackets: n(t34.attackPackets), attackBytes: n(t34.attackBytes),
    },
    l7: { events: n(t7.events), mitigatedEvents: n(t7.mitigatedEvents), attackEvents: n(t7.attackEvents) },
  };

  const vectors: VectorRow[] = [
    ...l34Vectors.map((r) => ({
      layer: 'L3/4' as const, vector: s(r.vector), family: vectorFamily(s(r.vector)), packets: n(r.packets), bytes: n(r.bytes),
      droppedPackets: n(r.droppedPackets), droppedBytes: n(r.droppedBytes), events: 0, mitigatedEvents: 0,
      peakPps: n(r.peakPps), peakBps: n(r.peakBps), peakRps: 0, peakAt: iso(r.peakMinute),
    })),
    ...l7Vectors.map((r) => ({
      layer: 'L7' as const, vector: s(r.vector), family: vectorFamily(s(r.vector)), packets: 0, bytes: 0, droppedPackets: 0,
      droppedBytes: 0, events: n(r.events), mitigatedEvents: n(r.mitigatedEvents), peakPps: 0, peakBps: 0,
      peakRps: n(r.peakRps), peakAt: iso(r.peakMinute),
    })),
  ];

  const provided: Omit<AttackRow, 'sizeBucket' | 'durationBucket'>[] = [
    ...l34Attacks.map((r) => {
      const ip = targetOf(l34Targets, s(r.id), 'ip');
      const port = targetOf(l34Targets, s(r.id), 'port');
      return {
        id: s(r.id), source: 'provider' as const, layer: 'L3/4' as const, vectors: (r.vectors as string[]) ?? [], start: iso(r.start), end: iso(r.end),
        durationSeconds: n(r.end) - n(r.start), packets: n(r.packets), bytes: n(r.bytes), droppedPackets: n(r.droppedPackets),
        droppedBytes: n(r.droppedBytes), events: 0, mitigatedEvents: 0, peakPps: n(r.peakPps), peakBps: n(r.peakBps), peakRps: 0,
        peakAt: iso(r.peakMinute),
        target: {
          ip: ip ? displayIp(s(ip.value)) : null,
          // A port is named only when it is the attack's dominant one; random-port floods have none.
          port: port && n(port.share) >= 0.5 && hasPorts(s(port.label)) ? n(port.value) : null,
          host: null, path: null, share: ip ? n(ip.share) : 0,
        },
      };
    }),
    ...l7Attacks.map((r) => {
      const host = targetOf(l7Targets, s(r.id), 'host');
      const path = targetOf(l7Targets, s(r.id), 'path');
      return {
        id: s(r.id), source: 'provider' as const, layer: 'L7' as const, vectors: (r.vectors as string[]) ?? [], start: iso(r.start), end: iso(r.end),
        durationSeconds: n(r.end) - n(r.start), packets: 0, bytes: 0, droppedPackets: 0, droppedBytes: 0, events: n(r.events),
        mitigatedEvents: n(r.mitigatedEvents), peakPps: 0, peakBps: 0, peakRps: n(r.peakRps), peakAt: iso(r.peakMinute),
        target: { ip: null, port: null, host: host ? s(host.value) : null, path: path ? s(path.value) : null, share: host ? n(host.share) : 0 },
      };
    }),
  ];
  // The rest needs only what the first queries returned, and its three parts are independent of each other.
  const [detected, traffic, previous] = await together(target, [
    () => detectedAttacks(target, req, { providerAttacks: provided, vectors }),
    () => analyseTraffic(target, { ...params, ...rollupBounds(window.fromMs, window.toMs) }, vectors, req.maxCollateralShare ?? DEFAULT_MAX_COLLATERAL_SHARE),
    () => loadPreviousPeriod(target, req, currentTargets),
  ] as const);
  const attacks: AttackRow[] = [...provided, ...detected]
    .map((a) => ({ ...a, sizeBucket: a.layer === 'L3/4' ? sizeBucket(a.peakBps) : null, durationBucket: durationBucket(a.durationSeconds) }))
    .sort((a, b) => a.start.localeCompare(b.start) || a.id.localeCompare(b.id));

  const top34 = (dim: string) => topItems(l34Top, dim, totals.l34.attackPackets, 'packets');
  const ports = top34('port').map((i) => ({ ...i, value: portLabel(i.value, i.label), label: '' }));
  const top7 = (dim: string) => topItems(l7Top, dim, totals.l7.mitigatedEvents, 'events');

  const tenantAccount = tenantRows.find((r) => s(r.zoneId) === '') ?? tenantRows[0];
  const zoneNames = req.zoneIds.map((z) => s(tenantRows.find((r) => s(r.zoneId) === z)?.zoneName) || z);

  const l34OutcomeRecorded = l34Mitigation.some((r) => s(r.outcome) !== '');
  const notes: string[] = [];
  const tenantName = `account ${req.accountId}${req.zoneIds.length ? ` (zones ${req.zoneIds.join(', ')})` : ''}`;
  if (coverage.lastSeen === null) {
    notes.push(`No data was seen for ${tenantName} in this window, nor at any other time: check the account id.`);
  } else if (totals.l34.packets === 0 && totals.l7.events === 0) {
    notes.push(`No data was seen for ${tenantName} in this window. Check the account id and the window.`);
  }
  if (window.aligned) notes.push('The requested window was widened to whole minutes, the resolution of the stored rollups.');

  const base: Omit<ReportModel, 'summary' | 'comparison'> = {
    schemaVersion: SCHEMA_VERSION,
    reportId: reportId(req),
    generatedAt: new Date().toISOString(),
    // Customer-facing: the kind of store only, never a host name or a local path.
    source: target.embeddedEngine ? 'ClickHouse (embedded engine)' : 'ClickHouse',
    tenant: { accountId: req.accountId, accountName: tenantAccount ? s(tenantAccount.accountName) || null : null, zoneIds: req.zoneIds, zoneNames },
    window: {
      from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString(), timezone: window.timezone,
      durationSeconds: (window.toMs - window.fromMs) / 1000, alignedToMinutes: window.aligned,
    },
    coverage,
    totals,
    vectors,
    attacks,
    distribution: {
      size: SIZE_BUCKETS.map((b) => ({ bucket: b, label: bucketLabel(b), attacks: attacks.filter((a) => a.sizeBucket === b).length })),
      duration: DURATION_BUCKETS.map((b) => ({ bucket: b, label: bucketLabel(b), attacks: attacks.filter((a) => a.durationBucket === b).length })),
    },
    timeline: {
      bucketSeconds,
      l34: l34Timeline.map((r) => ({
        t: iso(r.t), vector: s(r.vector), packets: n(r.packets), bytes: n(r.bytes), events: 0,
        peakPps: n(r.peakPackets) / 60, peakBps: (n(r.peakBytes) * 8) / 60, peakRps: 0,
      })),
      l7: l7Timeline.map((r) => ({
        t: iso(r.t), vector: s(r.vector), packets: 0, bytes: 0, events: n(r.events), peakPps: 0, peakBps: 0, peakRps: n(r.peakEvents) / 60,
      })),
    },
    topTargets: { ips: top34('ip').map((i) => ({ ...i, value: displayIp(i.value) })), ports, hosts: top7('host'), paths: top7('path') },
    topSources: {
      l34: { colos: top34('colo'), asns: top34('asn'), caveat: SPOOFING_CAVEAT },
      l7: { countries: top7('country'), asns: top7('asn'), ips: top7('ip').map((i) => ({ ...i, value: displayIp(i.value) })) },
    },
    mitigation: {
      passedDuringAttacks: passedDuringAttacks(attacks, l34OutcomeRecorded),
      l34OutcomeRecorded,
      l34: l34Mitigation.map((r) => ({ system: s(r.system), outcome: s(r.outcome), packets: n(r.packets), bytes: n(r.bytes) })),
      l7: l7Mitigation.map((r) => ({ source: s(r.source), action: s(r.action), events: n(r.events), mitigated: !['log', 'allow', 'skip', ''].includes(s(r.action)) })),
    },
    ...traffic,
    notes,
  };
  const comparison = comparedWith({ attacks, vectors, totals }, currentTargets, previous);
  const withComparison = { ...base, comparison };
  return { ...withComparison, summary: summarize(withComparison) };
}

/** Protocols whose packets carry ports; for the rest (GRE, ICMP, ...) port 0 means "no port". */
const hasPorts = (protocol: string) => ['tcp', 'udp', 'sctp', 'dccp', ''].includes(protocol.toLowerCase());

function portLabel(port: string, protocol: string): string {
  if (!protocol) return port;
  return hasPorts(protocol) || port !== '0' ? `${port}/${protocol}` : `${protocol.toUpperCase()} (no port)`;
}

function topItems(rows: Row[], dimension: string, total: number, measure: 'packets' | 'events'): TopItem[] {
  return rows
    .filter((r) => r.dimension === dimension)
    .map((r) => {
      const packets = n(r.packets);
      const events = n(r.events);
      return { value: s(r.value), label: s(r.label), packets, bytes: n(r.bytes), events, share: total > 0 ? (measure === 'packets' ? packets : events) / total : 0 };
    });
}


/** Stable id: the same tenant and window give the same id, so re-runs and e-mails can be matched up. */
function reportId(req: ReportRequest): string {
  const h = createHash('sha256').update(JSON.stringify([req.accountId, [...req.zoneIds].sort(), req.window.fromMs, req.window.toMs, req.window.timezone])).digest('hex');
  return `AR-${h.slice(0, 10).toUpperCase()}`;
}

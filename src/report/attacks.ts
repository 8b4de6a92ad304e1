/**
 * The attacks of one tenant as the telemetry identifies them (the provider's AttackID on L3/4 samples and L7
 * events, read from the minute rollups): a listing to find an attack by, and the lookup of one id that an
 * incident report starts from. One operation each for every front end (CLI `attacks`, the API, the web app's
 * customer page).
 */
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { toNumber } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';
import { toClickHouseTime, wholeHours } from '../clickhouse/time.js';
import { UsageError } from '../errors.js';
import { attackIdProblem } from '../util/attack-id.js';
import { tenantIdProblem } from '../util/tenant-id.js';
import { displayIp } from '../util/format.js';
import { checkWindow } from './window.js';
import type { Layer } from './model.js';

/**
 * An attack id that the tenant's telemetry does not carry. The same whether the id is unknown or belongs to
 * another account: a caller limited to one customer learns nothing about the others (the web server answers 404).
 */
export class UnknownAttack extends UsageError {
  constructor(
    readonly accountId: string,
    readonly attackId: string,
    zoneIds: string[] = [],
  ) {
    const zones = zoneIds.length ? ` (zones ${zoneIds.join(', ')})` : '';
    const listing = `attack-report attacks --account ${accountId}${zoneIds.map((z) => ` --zone ${z}`).join('')}`;
    super(`attack ${JSON.stringify(attackId)} is not in the telemetry of account ${JSON.stringify(accountId)}${zones}; \`${listing}\` lists its attack ids (--last 90d for older ones)`);
  }
}

export interface ListedAttack {
  id: string;
  layer: Layer;
  vectors: string[];
  /** Start of the first minute and end of the last minute with the attack's traffic (within the listing's window). */
  start: string;
  end: string;
  durationSeconds: number;
  /** One-minute peaks: L3/4 packets and bits per second, L7 requests per second. */
  peakPps: number;
  peakBps: number;
  peakRps: number;
  peakAt: string;
  packets: number;
  bytes: number;
  droppedPackets: number;
  droppedBytes: number;
  events: number;
  mitigatedEvents: number;
  /** Whether the id fits the rule an incident report can be asked for with (src/util/attack-id.ts). */
  reportable: boolean;
}

export interface AttackListing {
  accountId: string;
  zoneIds: string[];
  from: string;
  to: string;
  /** Attacks active in the window, before `limit`. */
  total: number;
  /** The newest first (by start), at most `limit`. */
  attacks: ListedAttack[];
}

export interface AttackQuery {
  accountId: string;
  zoneIds?: string[];
  fromMs: number;
  toMs: number;
  /** At most this many, the newest first; 100 when absent. */
  limit?: number;
}

export const DEFAULT_ATTACK_LIMIT = 100;
const MAX_ATTACK_LIMIT = 10_000;

type Row = Record<string, unknown>;
const n = toNumber;
const s = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const iso = (unixSeconds: unknown) => new Date(n(unixSeconds) * 1000).toISOString();

/** Account and zone ids checked as wherever else they enter (UsageError naming the bad one). */
export function checkTenant(accountId: string, zoneIds: string[] = []): void {
  const account = tenantIdProblem(accountId);
  if (account) throw new UsageError(`account ${account}`);
  for (const z of zoneIds) {
    const zone = tenantIdProblem(z);
    if (zone) throw new UsageError(`zone ${zone}`);
  }
}

/** Provider attacks of both layers in [fromMs, toMs) as the report's attack queries see them (only the part inside the window counts). */
export async function attacksInWindow(target: ClickHouseTarget, accountId: string, zoneIds: string[], fromMs: number, toMs: number): Promise<ListedAttack[]> {
  const params = { account: accountId, zones: zoneIds, from: toClickHouseTime(fromMs), to: toClickHouseTime(toMs) };
  const [l34, l7] = await Promise.all([selectRows<Row>(target, 'report/l34_attacks', params), selectRows<Row>(target, 'report/l7_attacks', params)]);
  const listed = (layer: Layer, r: Row): ListedAttack => ({
    id: s(r.id), layer, vectors: (r.vectors as string[]) ?? [], start: iso(r.start), end: iso(r.end), durationSeconds: n(r.end) - n(r.start),
    peakPps: n(r.peakPps), peakBps: n(r.peakBps), peakRps: n(r.peakRps), peakAt: iso(r.peakMinute),
    packets: n(r.packets), bytes: n(r.bytes), droppedPackets: n(r.droppedPackets), droppedBytes: n(r.droppedBytes),
    events: n(r.events), mitigatedEvents: n(r.mitigatedEvents), reportable: attackIdProblem(s(r.id)) === undefined,
  });
  return [...l34.map((r) => listed('L3/4', r)), ...l7.map((r) => listed('L7', r))];
}

/**
 * The tenant's attacks active in [fromMs, toMs), the newest first, so that a user can find the id of the one to
 * report on. Figures cover the part of each attack inside the window. Attacks detected from the traffic of data
 * without attack ids (window reports list them) have no stable id and are not listed.
 */
export async function listAttacks(target: ClickHouseTarget, q: AttackQuery): Promise<AttackListing> {
  const zoneIds = q.zoneIds ?? [];
  checkTenant(q.accountId, zoneIds);
  checkWindow(q.fromMs, q.toMs, { from: 'the listing\'s start', to: 'its end' });
  const limit = q.limit ?? DEFAULT_ATTACK_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ATTACK_LIMIT) throw new UsageError(`limit ${limit} must be a whole number from 1 to ${MAX_ATTACK_LIMIT}`);
  const all = await attacksInWindow(target, q.accountId, zoneIds, q.fromMs, q.toMs);
  all.sort((a, b) => b.start.localeCompare(a.start) || a.layer.localeCompare(b.layer) || a.id.localeCompare(b.id));
  return {
    accountId: q.accountId, zoneIds, from: new Date(q.fromMs).toISOString(), to: new Date(q.toMs).toISOString(),
    total: all.length, attacks: all.slice(0, limit),
  };
}

export interface AttackSpan {
  attackId: string;
  /** Each layer whose telemetry carries the id (almost always one), with its first minute and the end of its last. */
  layers: { layer: Layer; startMs: number; endMs: number }[];
  startMs: number;
  endMs: number;
}

/** Where the attack id appears in the tenant's telemetry; undefined when it does not (unknown, or another account's). */
export async function findAttack(target: ClickHouseTarget, q: { accountId: string; zoneIds?: string[]; attackId: string }): Promise<AttackSpan | undefined> {
  const zoneIds = q.zoneIds ?? [];
  checkTenant(q.accountId, zoneIds);
  const problem = attackIdProblem(q.attackId);
  if (problem) throw new UsageError(`attack ${problem}`);
  const rows = await selectRows<Row>(target, 'incident/attack_span', { account: q.accountId, zones: zoneIds, attack: q.attackId });
  const layers = rows
    .map((r) => ({ layer: (r.layer === 'L7' ? 'L7' : 'L3/4') as Layer, startMs: n(r.firstMinute) * 1000, endMs: (n(r.lastMinute) + 60) * 1000 }))
    .sort((a, b) => a.layer.localeCompare(b.layer));
  if (layers.length === 0) return undefined;
  return {
    attackId: q.attackId,
    layers,
    startMs: Math.min(...layers.map((l) => l.startMs)),
    endMs: Math.max(...layers.map((l) => l.endMs)),
  };
}

/**
 * Each provider attack's main target in [fromMs, toMs), keyed `layer id`: its largest destination IP at L3/4
 * (as people write it), its largest host at L7. The report's attack-target queries, so the incident's comparison
 * names targets exactly as the attack list does.
 */
export async function mainTargets(target: ClickHouseTarget, accountId: string, zoneIds: string[], fromMs: number, toMs: number): Promise<Map<string, string>> {
  const hours = wholeHours(fromMs, toMs);
  const params = {
    account: accountId, zones: zoneIds, from: toClickHouseTime(fromMs), to: toClickHouseTime(toMs),
    hourFrom: toClickHouseTime(hours.fromMs), hourTo: toClickHouseTime(hours.toMs),
  };
  const [l34, l7] = await Promise.all([selectRows<Row>(target, 'report/l34_attack_targets', params), selectRows<Row>(target, 'report/l7_attack_targets', params)]);
  const targets = new Map<string, string>();
  for (const r of l34) if (r.dimension === 'ip') targets.set(`L3/4 ${s(r.attackId)}`, displayIp(s(r.value)));
  for (const r of l7) if (r.dimension === 'host') targets.set(`L7 ${s(r.attackId)}`, s(r.value));
  return targets;
}

/**
 * Provider-shaped tables holding the same traffic as a native seed, and the source definitions over them
 * (issue 15): shared by the source suites (single server, cluster, table function). From a seeded database,
 * `loadTraffic` writes the same rows into a router flow table (IPv4 as UInt32, seconds since the epoch, numeric
 * tenants, a router column for colo), a Logpush-in-ClickHouse table (`Datetime` as nanoseconds, addresses as
 * text) and the native tables, restricted to what the flow table can represent (IPv4 only, whole seconds).
 */
import { expect } from 'vitest';
import type { ClickHouseTarget } from '../../src/clickhouse/client.js';
import { toClickHouseTime } from '../../src/clickhouse/time.js';
import { buildReport } from '../../src/report/build.js';
import { resolveWindow } from '../../src/report/window.js';
import type { LayerSource } from '../../src/source/types.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const TO_MS = Date.parse('2026-11-20T00:00:00Z');

const V4 = `startsWith(IPv6NumToString(t.IPSourceAddress), '::ffff:') AND startsWith(IPv6NumToString(t.IPDestinationAddress), '::ffff:')`;
const v4num = (col: string) => `IPv4StringToNum(replaceOne(IPv6NumToString(${col}), '::ffff:', ''))`;
const TENANTS = `['acme', 'globex', 'initech']`;

/** The flow table: provider column, its type, the native expression that builds it, the native column, the source expression back. */
export const FLOW: Array<[string, string, string, string, string]> = [
  ['tenant_id', 'UInt16', `transform(AccountID, ${TENANTS}, [1, 2, 3], 0)`, 'AccountID', `transform(tenant_id, [1, 2, 3], ${TENANTS}, '')`],
  ['ts', 'UInt32', 'toUInt32(toUnixTimestamp(Datetime))', 'Datetime', `toDateTime(ts, 'UTC')`],
  ['sampling_rate', 'UInt32', 'SampleInterval', 'SampleInterval', 'sampling_rate'],
  ['packets', 'UInt64', 'Packets', 'Packets', 'packets'],
  ['bytes', 'UInt64', 'Bytes', 'Bytes', 'bytes'],
  ['src_addr', 'UInt32', v4num('IPSourceAddress'), 'IPSourceAddress', 'toIPv6(IPv4NumToString(src_addr))'],
  ['dst_addr', 'UInt32', v4num('IPDestinationAddress'), 'IPDestinationAddress', 'toIPv6(IPv4NumToString(dst_addr))'],
  ['protocol', 'UInt8', 'IPProtocol', 'IPProtocol', 'protocol'],
  ['protocol_name', 'String', 'IPProtocolName', 'IPProtocolName', `transform(protocol, [1, 6, 17, 47], ['icmp', 'tcp', 'udp', 'gre'], '')`],
  ['length', 'UInt16', 'IPTotalLength', 'IPTotalLength', 'length'],
  ['ttl', 'UInt8', 'IPTTL', 'IPTTL', 'ttl'],
  ['src_port', 'UInt16', 'SourcePort', 'SourcePort', 'src_port'],
  ['dst_port', 'UInt16', 'DestinationPort', 'DestinationPort', 'dst_port'],
  ['tcp_flags', 'UInt8', 'TCPFlags', 'TCPFlags', 'tcp_flags'],
  ['router', 'String', 'ColoCode', 'ColoCode', 'router'],
  ['router_country', 'String', 'ColoCountry', 'ColoCountry', 'router_country'],
  ['src_as', 'UInt32', 'SourceASN', 'SourceASN', 'src_as'],
  ['src_as_name', 'String', 'SourceASNName', 'SourceASNName', 'src_as_name'],
  ['src_cc', 'String', 'SourceCountry', 'SourceCountry', 'src_cc'],
  ['attack_id', 'String', 'AttackID', 'AttackID', 'attack_id'],
  ['vector', 'String', 'AttackVector', 'AttackVector', 'vector'],
  ['mitigation', 'String', 'MitigationSystem', 'MitigationSystem', 'mitigation'],
  ['outcome', 'String', 'Outcome', 'Outcome', 'outcome'],
  ['verdict', 'String', 'Verdict', 'Verdict', 'verdict'],
  ['direction', 'String', 'Direction', 'Direction', 'direction'],
];

/** The Logpush-like table: Logpush names, `Datetime` as Int64 nanoseconds, `ClientIP` as text. */
export const L7_TYPES: Record<string, string> = {
  AccountID: 'String', ZoneID: 'String', ZoneName: 'String', Datetime: 'Int64', SampleInterval: 'UInt32', RayID: 'String',
  Source: 'String', Action: 'String', RuleID: 'String', Description: 'String', ClientIP: 'String', ClientASN: 'UInt32',
  ClientASNDescription: 'String', ClientCountry: 'String', ClientRequestHost: 'String', ClientRequestMethod: 'String',
  ClientRequestPath: 'String', ClientRequestQuery: 'String', ClientRequestProtocol: 'String', ClientRequestUserAgent: 'String',
  EdgeColoCode: 'String', EdgeResponseStatus: 'UInt16', OriginResponseStatus: 'UInt16', JA3Hash: 'String', JA4: 'String',
  BotScore: 'UInt8', AttackID: 'String', AttackVector: 'String',
};
export const L7_COLS = Object.keys(L7_TYPES);
const l7FromNative = (c: string) =>
  c === 'Datetime' ? 'toUnixTimestamp64Nano(toDateTime64(t.Datetime, 9))' : c === 'ClientIP' ? `replaceOne(IPv6NumToString(t.ClientIP), '::ffff:', '')` : `t.${c}`;
const l7Source = (c: string) => (c === 'Datetime' ? `fromUnixTimestamp64Nano(Datetime, 'UTC')` : c === 'ClientIP' ? 'toIPv6(ClientIP)' : c);

/** The flow table's layer: egress rows filtered out, ZoneID and RuleName absent. */
export function flowLayer(table: string, feed: LayerSource['feed']): LayerSource {
  return { table, feed, where: `direction = 'ingress'`, columns: { ...Object.fromEntries(FLOW.map(([, , , native, expr]) => [native, expr])), ZoneID: null, RuleName: null } };
}

export function httpLayer(table: string, feed: LayerSource['feed']): LayerSource {
  return { table, feed, columns: Object.fromEntries(L7_COLS.map((c) => [c, l7Source(c)])) };
}

/** The column lists of the two provider tables, for CREATE TABLE. */
export const FLOW_COLUMNS = FLOW.map(([c, t]) => `${c} ${t}`).join(', ');
export const HTTP_COLUMNS = L7_COLS.map((c) => `${c} ${L7_TYPES[c]}`).join(', ');

export interface TrafficTables {
  /** The seeded native database read from. */
  seed: string;
  /** Where the provider rows go (a table name, or `FUNCTION remote(...)`), and the native database. */
  flows: string;
  http: string;
  native: string;
}

/** Writes the seed's rows in [fromMs, toMs) into the provider tables and, as the same traffic, into the native ones. */
export async function loadTraffic(exec: (sql: string) => Promise<unknown>, t: TrafficTables, fromMs: number, toMs: number): Promise<void> {
  const range = `t.Datetime >= '${toClickHouseTime(fromMs)}' AND t.Datetime < '${toClickHouseTime(toMs)}'`;
  await exec(`INSERT INTO ${t.flows} SELECT ${FLOW.map(([c, , e]) => `${e} AS ${c}`).join(', ')} FROM ${t.seed}.net_samples AS t WHERE ${V4} AND ${range}`);
  // Egress rows the definition's filter must keep out (the native side has none).
  await exec(`INSERT INTO ${t.flows} SELECT ${FLOW.map(([c, , e]) => (c === 'direction' ? `'egress' AS ${c}` : `${e} AS ${c}`)).join(', ')} FROM ${t.seed}.net_samples AS t WHERE ${V4} AND ${range} AND cityHash64(t.Datetime) % 10 = 0`);
  const netCols = FLOW.map(([, , , n]) => n);
  await exec(`INSERT INTO ${t.native}.net_samples (${netCols.join(', ')}) SELECT ${netCols.map((c) => (c === 'Datetime' ? 'toStartOfSecond(t.Datetime)' : `t.${c}`)).join(', ')} FROM ${t.seed}.net_samples AS t WHERE ${V4} AND ${range}`);
  await exec(`INSERT INTO ${t.http} SELECT ${L7_COLS.map((c) => `${l7FromNative(c)} AS ${c}`).join(', ')} FROM ${t.seed}.l7_events AS t WHERE ${range}`);
  await exec(`INSERT INTO ${t.native}.l7_events (${L7_COLS.join(', ')}) SELECT ${L7_COLS.map((c) => `t.${c}`).join(', ')} FROM ${t.seed}.l7_events AS t WHERE ${range}`);
}

export const REPORT_REQUEST = { accountId: 'acme', zoneIds: [], window: resolveWindow({ from: new Date(TO_MS - 7 * DAY).toISOString(), to: new Date(TO_MS).toISOString(), tz: 'UTC' }) };

/** The only field of the report allowed to differ: when it was built. */
const IGNORED = ['generatedAt'] as const;

/** The report as JSON, less the IGNORED fields. */
export async function reportJson(target: ClickHouseTarget): Promise<unknown> {
  const json = JSON.parse(JSON.stringify(await buildReport(target, REPORT_REQUEST))) as Record<string, unknown>;
  for (const k of IGNORED) {
    expect(json[k]).toBeDefined();
    delete json[k];
  }
  return json;
}

/**
 * The tables the foreign-source part of the bench (bench/source.ts) reads, built once from the bench's native
 * data and reused after: `prov.flows`, a router flow table shaped as a provider would keep it (tenant as a
 * number, unix seconds, IPv4 as UInt32, protocol numbers, the router for the colo; ORDER BY (tenant_id, ts)),
 * and `<database>_flowcmp`, a native database holding exactly the rows the flow table holds (IPv4 only, whole
 * seconds, its columns), so that a report over the source must equal the report over it, number for number.
 * The source definition maps the flow table back onto the native raw columns (the same mapping as
 * test/source-attach.test.ts).
 */
import type { ClickHouseTarget } from '../src/clickhouse/client.js';
import { toNumber } from '../src/clickhouse/client.js';
import { migrate } from '../src/clickhouse/migrate.js';
import type { SourceDefinition } from '../src/source/types.js';
import { waitForMerges } from './queries.js';

export const PROVIDER_DB = 'prov';
const TENANTS = `['acme', 'globex', 'initech']`;
/** Rows a flow table with IPv4 addresses can hold: both addresses IPv4-mapped. */
const V4 = `startsWith(IPv6NumToString(t.IPSourceAddress), '::ffff:') AND startsWith(IPv6NumToString(t.IPDestinationAddress), '::ffff:')`;
const v4num = (col: string) => `IPv4StringToNum(replaceOne(IPv6NumToString(${col}), '::ffff:', ''))`;

/** provider column, its type, built from (native expression), native column, source expression back. */
const FLOW: Array<[string, string, string, string, string]> = [
  ['tenant_id', 'UInt16', `transform(AccountID, ${TENANTS}, [1, 2, 3], 0)`, 'AccountID', `transform(tenant_id, [1, 2, 3], ${TENANTS}, '')`],
  ['ts', 'UInt32', 'toUInt32(toUnixTimestamp(Datetime))', 'Datetime', `toDateTime(ts, 'UTC')`],
  ['sampling_rate', 'UInt32', 'SampleInterval', 'SampleInterval', 'sampling_rate'],
  ['packets', 'UInt64', 'Packets', 'Packets', 'packets'],
  ['bytes', 'UInt64', 'Bytes', 'Bytes', 'bytes'],
  ['src_addr', 'UInt32', v4num('IPSourceAddress'), 'IPSourceAddress', 'toIPv6(IPv4NumToString(src_addr))'],
  ['dst_addr', 'UInt32', v4num('IPDestinationAddress'), 'IPDestinationAddress', 'toIPv6(IPv4NumToString(dst_addr))'],
  ['protocol', 'UInt8', 'IPProtocol', 'IPProtocol', 'protocol'],
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
// The protocol's name is derived from its number, as a flow table has only the number.
const PROTOCOL_NAME = `transform(protocol, [1, 6, 17, 47], ['icmp', 'tcp', 'udp', 'gre'], '')`;

/** L3/4 only, fed periodically (no trigger on the provider's table): the backfill is what syncSource times. */
export const FLOW_SOURCE: SourceDefinition = {
  name: 'flows',
  l34: {
    table: `${PROVIDER_DB}.flows`, feed: 'periodic',
    columns: { ...Object.fromEntries(FLOW.map(([, , , native, expr]) => [native, expr])), IPProtocolName: PROTOCOL_NAME, ZoneID: null, RuleName: null },
  },
};

export interface SourceTables {
  /** Rows of the native net_samples, of prov.flows (= of the comparison database), and their time range. */
  nativeRows: number;
  flowRows: number;
  fromMs: number;
  toMs: number;
  /** Set when this run built the tables (else they were reused). */
  builtMs: number | null;
}

const count = async (target: ClickHouseTarget, sql: string) => {
  const r = await target.client.query({ query: sql, format: 'JSONEachRow' });
  return toNumber((await r.json<{ c: unknown }>())[0]?.c);
};

export const comparisonTarget = (target: ClickHouseTarget): ClickHouseTarget => ({ ...target, database: `${target.database}_flowcmp`, description: `${target.description}, native comparison` });

/** The two tables, reused when both hold every row the flow table can represent; rebuilt otherwise. */
export async function ensureSourceTables(target: ClickHouseTarget, log: (line: string) => void): Promise<SourceTables> {
  const db = target.database;
  const cmp = comparisonTarget(target);
  const exec = (query: string) => target.client.command({ query });
  const nativeRows = await count(target, `SELECT count() AS c FROM ${db}.net_samples`);
  const expected = await count(target, `SELECT count() AS c FROM ${db}.net_samples AS t WHERE ${V4}`);
  const present = await count(target, `SELECT count() AS c FROM system.tables WHERE (database = '${PROVIDER_DB}' AND name = 'flows') OR (database = '${cmp.database}' AND name = 'net_samples')`);
  let builtMs: number | null = null;
  const have = present === 2
    ? [await count(target, `SELECT count() AS c FROM ${PROVIDER_DB}.flows`), await count(target, `SELECT count() AS c FROM ${cmp.database}.net_samples`)]
    : [0, 0];
  if (have[0] === expected && have[1] === expected) {
    log(`source: reusing ${PROVIDER_DB}.flows and ${cmp.database}: ${expected.toLocaleString('en')} rows each`);
  } else {
    log(`source: building ${PROVIDER_DB}.flows and ${cmp.database} from ${db}.net_samples (${expected.toLocaleString('en')} IPv4 rows of ${nativeRows.toLocaleString('en')})…`);
    const t0 = performance.now();
    await exec(`DROP DATABASE IF EXISTS ${PROVIDER_DB}`);
    await exec(`DROP DATABASE IF EXISTS ${cmp.database}`);
    await exec(`CREATE DATABASE ${PROVIDER_DB}`);
    await exec(`CREATE TABLE ${PROVIDER_DB}.flows (${FLOW.map(([c, t]) => `${c} ${t}`).join(', ')}) ENGINE = MergeTree ORDER BY (tenant_id, ts)`);
    await exec(`INSERT INTO ${PROVIDER_DB}.flows SELECT ${FLOW.map(([c, , e]) => `${e} AS ${c}`).join(', ')} FROM ${db}.net_samples AS t WHERE ${V4}`);
    await migrate(cmp);
    // The native side holds what the flow table holds: its columns, whole seconds, the protocol name derived alike.
    const netCols = FLOW.map(([, , , n]) => n);
    const fromNative = (c: string) => (c === 'Datetime' ? 'toStartOfSecond(t.Datetime)' : `t.${c}`);
    await exec(`INSERT INTO ${cmp.database}.net_samples (${netCols.join(', ')}, IPProtocolName) SELECT ${netCols.map(fromNative).join(', ')}, ` +
      `transform(t.IPProtocol, [1, 6, 17, 47], ['icmp', 'tcp', 'udp', 'gre'], '') FROM ${db}.net_samples AS t WHERE ${V4}`);
    await exec(`INSERT INTO ${cmp.database}.tenants SELECT * FROM ${db}.tenants`);
    await waitForMerges(cmp);
    await waitForMerges({ ...target, database: PROVIDER_DB });
    builtMs = performance.now() - t0;
    log(`source: built in ${(builtMs / 1000).toFixed(0)} s`);
  }
  const r = await target.client.query({ query: `SELECT min(ts) * 1000 AS f, (max(ts) + 1) * 1000 AS t FROM ${PROVIDER_DB}.flows`, format: 'JSONEachRow' });
  const [range] = await r.json<{ f: unknown; t: unknown }>();
  return { nativeRows, flowRows: expected, fromMs: toNumber(range!.f), toMs: toNumber(range!.t), builtMs };
}

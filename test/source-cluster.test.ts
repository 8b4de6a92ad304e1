/**
 * A source on a 2-shard cluster (issue 15): the provider's flow and HTTP tables are a table per shard
 * (`prov.flows_local`, `prov.http_local`) under a Distributed table, with the same traffic as the native tables
 * of the same cluster. The source, attached with the shard-local tables declared (localTable), must give the
 * native report number for number, L3/4 fed by materialized views on each shard's table and L7 by the
 * periodic sync on each shard; rows inserted after attaching show up; detaching leaves nothing on either server.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import type { LocalServer } from '../src/clickhouse/local-server.js';
import { startTwoShards } from './helpers/two-shards.js';
import { connect, toNumber, type ClickHouseTarget } from '../src/clickhouse/client.js';
import { migrate } from '../src/clickhouse/migrate.js';
import { seedDemo } from '../src/seed/run.js';
import { attachSource, sourceTarget } from '../src/source/attach.js';
import { loadSourceDefinition, parseSourceDefinition } from '../src/source/definition.js';
import { checkSource } from '../src/source/check.js';
import { syncSource } from '../src/source/sync.js';
import { unsyncedRanges } from '../src/source/coverage.js';
import type { SourceDefinition } from '../src/source/types.js';
import { DAY, FLOW_COLUMNS, HOUR, HTTP_COLUMNS, TO_MS, flowLayer, httpLayer, loadTraffic, reportJson } from './helpers/source-fixtures.js';

const run = promisify(execFile);
const CLUSTER = 'reports';
const CUT_MS = TO_MS - 12 * HOUR;
const CHUNK_MS = 12 * HOUR;
// The backfill before CUT_MS in few chunks (time: each is one INSERT per feeder per shard).
const BACKFILL_CHUNK_MS = 54 * HOUR;
const DEF: SourceDefinition = {
  name: 'prov',
  l34: { ...flowLayer('prov.flows', 'materialized-view'), localTable: 'prov.flows_local' },
  l7: { ...httpLayer('prov.http', 'periodic'), localTable: 'prov.http_local' },
};

let dir: string;
let servers: LocalServer[] = [];
let shards: ClickHouseClient[] = [];
let cluster: ClickHouseTarget;
const exec = (query: string) => cluster.client.command({ query });
const load = (fromMs: number, toMs: number) => loadTraffic(exec, { seed: 'seed', flows: 'prov.flows', http: 'prov.http', native: 'ddos' }, fromMs, toMs);

async function onShard<T>(shard: ClickHouseClient, query: string): Promise<T[]> {
  return (await shard.query({ query, format: 'JSONEachRow' })).json<T>();
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-source-cluster-'));
  ({ servers, shards } = await startTwoShards(dir, CLUSTER));
  cluster = await connect({ env: { CLICKHOUSE_URL: servers[0]!.url, CLICKHOUSE_CLUSTER: CLUSTER, CLICKHOUSE_CLUSTER_NODES: servers.map((s) => s.url) } });
  await migrate({ ...cluster, database: 'seed' });
  await seedDemo({ ...cluster, database: 'seed' }, { seed: 5, scale: 0.005, days: 7, historyDays: 0, toMs: TO_MS });
  await migrate(cluster);
  // The provider's own layout: a table per shard and a Distributed table over them, sharded its own way (by
  // time, not by tenant and attack as the native tables are).
  for (const shard of shards) {
    await shard.command({ query: 'CREATE DATABASE prov' });
    await shard.command({ query: `CREATE TABLE prov.flows_local (${FLOW_COLUMNS}) ENGINE = MergeTree ORDER BY (tenant_id, ts)` });
    await shard.command({ query: `CREATE TABLE prov.http_local (${HTTP_COLUMNS}) ENGINE = MergeTree ORDER BY (AccountID, Datetime)` });
    await shard.command({ query: `CREATE TABLE prov.flows AS prov.flows_local ENGINE = Distributed('${CLUSTER}', prov, flows_local, ts)` });
    await shard.command({ query: `CREATE TABLE prov.http AS prov.http_local ENGINE = Distributed('${CLUSTER}', prov, http_local, cityHash64(RayID))` });
  }
  await load(TO_MS - 7 * DAY, CUT_MS);
  await exec('INSERT INTO ddos.tenants SELECT * FROM seed.tenants');
}, 90_000);

afterAll(async () => {
  await cluster?.client.close().catch(() => undefined);
  await Promise.all(shards.map((c) => c.close().catch(() => undefined)));
  await Promise.all(servers.map((s) => s.stop()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a source on a 2-shard cluster', () => {
  it('checks the shard-local table\'s sorting key, and refuses a layer without localTable', async () => {
    const check = await checkSource(cluster, DEF);
    expect(check.usable).toBe(true);
    const warnings = check.layers.flatMap((l) => l.warnings);
    expect(warnings.filter((w) => /the table's sorting key \(/.test(w))).toEqual([]);
    // The server was asked how a report's filter reaches the shard table's index (a Distributed table has none).
    expect(warnings).toContainEqual(expect.stringMatching(/^AccountID: transform\(tenant_id.* hides tenant_id from the table's sorting key/));
    // The Distributed table has no key of its own: the warning reads the shard's table.
    await shards[0]!.command({ query: 'CREATE TABLE prov.http_by_time AS prov.http_local ENGINE = MergeTree ORDER BY Datetime' });
    const unsorted = await checkSource(cluster, { ...DEF, l7: { ...DEF.l7!, localTable: 'prov.http_by_time' } });
    expect(unsorted.usable).toBe(true);
    expect(unsorted.layers[1]!.warnings.join('\n')).toMatch(/sorting key \(Datetime\) does not start with AccountID/);
    const missing = await checkSource(cluster, { ...DEF, l7: { ...DEF.l7!, localTable: 'prov.nothing_local' } });
    expect(missing.layers[1]!.problems).toEqual([expect.stringMatching(/^unknown localTable prov\.nothing_local: there is no such table/)]);
    await expect(attachSource(cluster, { ...DEF, l34: flowLayer('prov.flows', 'materialized-view') })).rejects.toThrow(/l34: on cluster reports the source needs localTable, the shard-local table .* that prov\.flows spreads over/);
  });

  it('attached and backfilled, gives the native report of the same cluster; later rows show up', async () => {
    // The views count rows from CUT_MS on (inserted after attaching); the sync fills what is before.
    const attached = await attachSource(cluster, DEF, { feedFromMs: CUT_MS });
    const src = sourceTarget(cluster, DEF);
    for (const shard of shards) {
      const engines = Object.fromEntries((await onShard<{ name: string; engine: string }>(shard, `SELECT name, engine FROM system.tables WHERE database = '${src.database}'`)).map((t) => [t.name, t.engine]));
      expect(engines).toMatchObject({
        net_samples: 'Distributed', net_samples_local: 'View', net_1m: 'Distributed', net_1m_local: 'AggregatingMergeTree', net_1m_mv: 'MaterializedView',
        tenants: 'Distributed', tenants_local: 'View', source_sync_chunks: 'ReplacingMergeTree', source_feeds: 'ReplacingMergeTree',
      });
      const [mv] = await onShard<{ q: string }>(shard, `SELECT create_table_query AS q FROM system.tables WHERE database = '${src.database}' AND name = 'net_1m_mv'`);
      expect(mv!.q).toMatch(/TO ddos_src_prov\.net_1m_local/);
      expect(mv!.q).toMatch(/FROM prov\.flows_local/);
    }
    expect(attached.periodic).toEqual(expect.arrayContaining(['l7_1m_mv', 'l7_sig_1h_mv']));
    const backfill = { fromMs: TO_MS - 7 * DAY, toMs: CUT_MS, chunkMs: BACKFILL_CHUNK_MS };
    // Stopped once the first server is done and before the second starts: the second server's hole is a hole
    // of the source, though the server this connection asks has every range.
    let perServer = 0;
    await syncSource(cluster, DEF, { ...backfill, maxInserts: 1, onProgress: (p) => { perServer = p.total / shards.length; } });
    expect(await syncSource(cluster, DEF, { ...backfill, maxInserts: perServer - 1 })).toMatchObject({ complete: false, inserted: perServer - 1 });
    expect(await unsyncedRanges(cluster, DEF, TO_MS - 7 * DAY, CUT_MS)).toEqual([
      { layer: 'l34', fromMs: TO_MS - 7 * DAY, toMs: CUT_MS, tail: false }, { layer: 'l7', fromMs: TO_MS - 7 * DAY, toMs: CUT_MS, tail: true },
    ]);
    const sync = await syncSource(cluster, DEF, backfill);
    expect(sync).toMatchObject({ complete: true, repeated: 0, late: [], inserted: perServer });
    expect(await unsyncedRanges(cluster, DEF, TO_MS - 7 * DAY, CUT_MS)).toEqual([]);
    // The tenant directory is the store's, each name once.
    const [names] = await onShard<{ n: unknown; u: unknown }>(shards[1]!, `SELECT count() n, uniqExact(AccountID, ZoneID) u FROM ${src.database}.tenants`);
    expect(toNumber(names!.n)).toBeGreaterThan(0);
    expect(toNumber(names!.n)).toBe(toNumber(names!.u));
    // Each shard's rollup holds its own rows only: the shards' parts add up to the native whole, not twice it.
    for (const [table, sum] of [['net_1m', 'sum(Packets)'], ['l7_1m', 'sum(Events)'], ['net_sig_1d', 'sum(Packets)']] as const) {
      const parts = await Promise.all(shards.map(async (s) => toNumber((await onShard<{ v: unknown }>(s, `SELECT ${sum} v FROM ${src.database}.${table}_local`))[0]!.v)));
      const [whole] = await onShard<{ v: unknown }>(shards[0]!, `SELECT ${sum} v FROM ddos.${table}`);
      expect(parts.every((p) => p > 0), table).toBe(true);
      expect({ table, v: parts[0]! + parts[1]! }).toEqual({ table, v: toNumber(whole!.v) });
    }
    const mine = (await reportJson(src)) as { totals: { l34: { packets: number } } };
    expect(mine.totals.l34.packets).toBeGreaterThan(0);
    expect(mine).toEqual(await reportJson(cluster));

    await load(CUT_MS, TO_MS);
    const native = (await reportJson(cluster)) as { totals: { l34: unknown; l7: { events: number } } };
    const before = (await reportJson(src)) as typeof native;
    expect(before.totals.l34).toEqual(native.totals.l34);
    expect(before.totals.l7.events).toBeLessThan(native.totals.l7.events);
    const later = await syncSource(cluster, DEF, { fromMs: CUT_MS, toMs: TO_MS, chunkMs: CHUNK_MS });
    // L3/4 is not read past its feed start on either shard (its views count there), L7 is.
    expect(later).toMatchObject({ complete: true, repeated: 0, late: [], cut: [{ layer: 'l34', atMs: CUT_MS, why: 'materialized views' }] });
    expect(later.inserted).toBeGreaterThan(0);
    expect(await reportJson(src)).toEqual(native);
  }, 90_000);

  it('detaching (through the CLI) drops the source on both servers and leaves the provider tables', async () => {
    const file = path.join(dir, 'prov.yaml');
    fs.writeFileSync(file, stringify({ ...DEF, l34: { ...DEF.l34, defaults: 'absent' }, l7: { ...DEF.l7, defaults: 'absent' } }));
    expect(loadSourceDefinition(file)).toMatchObject({ name: 'prov', l34: { table: 'prov.flows', localTable: 'prov.flows_local' }, l7: { localTable: 'prov.http_local' } });
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, CLICKHOUSE_URL: servers[1]!.url, CLICKHOUSE_CLUSTER: CLUSTER, CLICKHOUSE_CLUSTER_NODES: servers.map((s) => s.url).join(',') };
    const out = await run(process.execPath, [path.resolve('bin/attack-report.js'), 'source', 'detach', '--source', file], { env, encoding: 'utf8' });
    expect(out.stderr).toMatch(/detached source prov: database ddos_src_prov dropped/);
    for (const shard of shards) {
      expect(await onShard(shard, `SELECT name FROM system.tables WHERE database = 'ddos_src_prov'`)).toEqual([]);
      expect(await onShard(shard, `SELECT name FROM system.databases WHERE name = 'ddos_src_prov'`)).toEqual([]);
      const [n] = await onShard<{ n: unknown }>(shard, 'SELECT count() n FROM prov.flows_local');
      expect(toNumber(n!.n)).toBeGreaterThan(0);
    }
  });
});

describe('localTable in the definition file', () => {
  const file = (l34: Record<string, unknown>) => stringify({ name: 'p', l34: { feed: 'materialized-view', defaults: 'absent', columns: { AccountID: 'a', Datetime: 't', SampleInterval: '1' }, ...l34 } });

  it('is a database.table other than table, and never with a table function', () => {
    expect(parseSourceDefinition(file({ table: 'prov.flows', localTable: 'prov.flows_local' }), 'p.yaml').l34!.localTable).toBe('prov.flows_local');
    expect(() => parseSourceDefinition(file({ table: 'prov.flows', localTable: 'flows local' }), 'p.yaml')).toThrow(/l34\.localTable \(line \d+\): must be database\.table \(plain identifiers\) of the table on each shard that prov\.flows spreads over/);
    expect(() => parseSourceDefinition(file({ table: 'prov.flows', localTable: 'prov.flows' }), 'p.yaml')).toThrow(/l34\.localTable \(line \d+\): names the same table as table/);
    expect(() => parseSourceDefinition(file({ table: "remote('h:9000', prov, flows)", tableFunction: true, feed: 'periodic', localTable: 'prov.flows_local' }), 'p.yaml')).toThrow(/l34\.localTable \(line \d+\): cannot go with tableFunction/);
  });
});

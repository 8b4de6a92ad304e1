/**
 * A sharded cluster: two local servers (the engine chDB ships) whose configuration names both as the two shards
 * of cluster `reports`. `db migrate` with the cluster named creates the per-shard tables and rollups and the
 * Distributed tables on both; the demo seed and an NDJSON ingest write through the Distributed tables, so the
 * rows spread over both shards; the report of that data must equal, number for number, the report of the same
 * data on a single server. Reloading a file on the cluster must add nothing, in the raw table or the rollups.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import type { LocalServer } from '../src/clickhouse/local-server.js';
import { startTwoShards } from './helpers/two-shards.js';
import { connect, toNumber, type ClickHouseTarget } from '../src/clickhouse/client.js';
import { migrate } from '../src/clickhouse/migrate.js';
import { selectRows } from '../src/clickhouse/queries.js';
import { seedDemo } from '../src/seed/run.js';
import { buildReport } from '../src/report/build.js';
import { resolveWindow } from '../src/report/window.js';
import type { ReportModel } from '../src/report/model.js';
import { openTestDb, type TestDb } from './helpers/db.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/attack-report.js');
const CLUSTER = 'reports';
const TO_MS = Date.parse('2026-11-20T00:00:00Z');
const SEED = { seed: 5, scale: 0.01, days: 7, toMs: TO_MS };

let dir: string;
let servers: LocalServer[] = [];
let shards: ClickHouseClient[] = [];
let cluster: ClickHouseTarget;
let single: TestDb;
let env: NodeJS.ProcessEnv;

/** One value of a one-row query on one shard's own tables. */
async function scalar(client: ClickHouseClient, query: string): Promise<number> {
  const rows = await (await client.query({ query, format: 'JSONEachRow' })).json<{ n: unknown }>();
  return toNumber(rows[0]?.n);
}

const cli = (args: string[]) => run(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-cluster-'));
  ({ servers, shards } = await startTwoShards(dir, CLUSTER));
  env = {
    PATH: process.env.PATH, HOME: process.env.HOME,
    CLICKHOUSE_URL: servers[0]!.url, CLICKHOUSE_CLUSTER: CLUSTER, CLICKHOUSE_CLUSTER_NODES: servers.map((s) => s.url).join(','),
  };
  single = await openTestDb();
}, 60_000);

afterAll(async () => {
  await cluster?.client.close().catch(() => undefined);
  await Promise.all(shards.map((c) => c.close().catch(() => undefined)));
  await Promise.all(servers.map((s) => s.stop()));
  await single?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('db migrate on a 2-shard cluster', () => {
  it('creates the per-shard tables and rollups and the Distributed tables on both servers, once', async () => {
    const first = await cli(['db', 'migrate']);
    expect(first.stderr).toMatch(/migration\(s\) applied \(000_database/);
    for (const shard of shards) {
      const engines = Object.fromEntries((await (await shard.query({ query: "SELECT name, engine FROM system.tables WHERE database = 'ddos'", format: 'JSONEachRow' })).json<{ name: string; engine: string }>()).map((t) => [t.name, t.engine]));
      for (const t of ['net_samples', 'l7_events', 'attacks', 'net_1m', 'l7_sig_1d', 'sources_1h', 'net_dims_raw']) {
        expect(engines[t]).toBe('Distributed');
        expect(engines[`${t}_local`]).toMatch(/MergeTree|View/);
      }
      // The rollups' views read the shard's own raw rows and write its own rollup.
      const [mv] = await (await shard.query({ query: "SELECT create_table_query AS q FROM system.tables WHERE database = 'ddos' AND name = 'net_1m_mv'", format: 'JSONEachRow' })).json<{ q: string }>();
      expect(mv!.q).toMatch(/TO ddos\.net_1m_local/);
      expect(mv!.q).toMatch(/FROM ddos\.net_samples_local/);
      expect(engines.schema_migrations).toBe('ReplacingMergeTree');
      expect(engines.net_sig_window).toBe('View');
    }
    const again = await cli(['db', 'migrate']);
    expect(again.stderr).toMatch(/0 migration\(s\) applied, \d+ already in place/);
  }, 60_000);

  it('refuses a node list that misses a server of the cluster, naming it', async () => {
    const partial = await connect({ env: { CLICKHOUSE_URL: servers[0]!.url, CLICKHOUSE_CLUSTER: CLUSTER, CLICKHOUSE_CLUSTER_NODES: [servers[0]!.url] } });
    try {
      await expect(migrate(partial)).rejects.toThrow(/misses shard 2 replica 1 \(127\.0\.0\.1:\d+\) of cluster reports/);
    } finally {
      await partial.client.close();
    }
  });
});

describe('cluster settings that cannot work', () => {
  it('refuses a single-server migration of a database migrated for the cluster, and a cluster without a server URL', async () => {
    const plain = await connect({ env: { CLICKHOUSE_URL: servers[0]!.url } });
    try {
      await expect(migrate(plain)).rejects.toThrow(/was migrated sharded over cluster reports, not single-server: set CLICKHOUSE_CLUSTER/);
    } finally {
      await plain.client.close();
    }
    await expect(connect({ env: { CLICKHOUSE_CLUSTER: CLUSTER } })).rejects.toThrow(/CLICKHOUSE_CLUSTER reports needs CLICKHOUSE_URL/);
  });
});

describe('the same data on a cluster and on one server', () => {
  let clusterModel: ReportModel;
  let singleModel: ReportModel;

  beforeAll(async () => {
    cluster = await connect({ env: { CLICKHOUSE_URL: servers[1]!.url, CLICKHOUSE_CLUSTER: CLUSTER, CLICKHOUSE_CLUSTER_NODES: servers.map((s) => s.url) } });
    await migrate(cluster);
    await seedDemo(cluster, SEED);
    await seedDemo(single.target, SEED);
    const window = resolveWindow({ from: new Date(TO_MS - 7 * 86_400_000 + 5_400_000).toISOString(), to: new Date(TO_MS - 1_800_000).toISOString(), tz: 'UTC' });
    // Window edges off the hour: the report reads rollups for whole hours and raw rows for the edges.
    clusterModel = await buildReport(cluster, { accountId: 'acme', zoneIds: [], window });
    singleModel = await buildReport(single.target, { accountId: 'acme', zoneIds: [], window });
  }, 90_000);

  it('spreads the rows over both shards', async () => {
    for (const table of ['net_samples', 'l7_events', 'net_1m', 'l7_sig_1h']) {
      const parts = await Promise.all(shards.map((s) => scalar(s, `SELECT count() AS n FROM ddos.${table}_local`)));
      const [whole] = await single.sql<{ n: string }>(`SELECT count() AS n FROM ddos.${table}`);
      for (const part of parts) expect(part).toBeGreaterThan(0);
      if (table === 'net_samples' || table === 'l7_events') expect(parts[0]! + parts[1]!).toBe(toNumber(whole!.n));
    }
    // One attack's rows stay on one shard (the sharding key is the tenant and the attack).
    const split = await scalar(shards[0]!, `SELECT count() AS n FROM (SELECT AttackID FROM ddos.net_samples WHERE AttackID != '' GROUP BY AttackID HAVING uniqExact(_shard_num) > 1)`);
    expect(split).toBe(0);
  });

  it('gives a report equal, number for number, to the single-server report', () => {
    const comparable = (m: ReportModel) => ({ ...m, generatedAt: undefined, source: undefined });
    expect(clusterModel.totals.l34.packets).toBeGreaterThan(0);
    expect(clusterModel.attacks.length).toBeGreaterThan(1);
    expect(comparable(clusterModel)).toEqual(comparable(singleModel));
  });

  it('lists the same accounts, zones and spans (db accounts)', async () => {
    const [onCluster, onSingle] = await Promise.all([cluster, single.target].map((t) => selectRows(t, 'report/known_accounts', { account: '' })));
    expect(onCluster!.length).toBeGreaterThan(1);
    expect(onCluster).toEqual(onSingle);
  });
});

describe('ingest on the cluster', () => {
  const line = (i: number) => JSON.stringify({
    Datetime: `2026-11-10T10:${String(i % 60).padStart(2, '0')}:00Z`, SampleInterval: 10, IPSourceAddress: `198.51.100.${i % 250}`,
    IPDestinationAddress: '203.0.113.10', IPProtocol: 17, IPProtocolName: 'udp', IPTotalLength: 512, SourcePort: 53, DestinationPort: 4444,
    Outcome: 'drop', AttackVector: 'DNS Amplification', AttackID: `atk-${i % 8}`,
  });

  it('spreads a file over the shards and stays idempotent on reload, raw table and rollups alike', async () => {
    const file = path.join(dir, 'net.ndjson');
    fs.writeFileSync(file, Array.from({ length: 400 }, (_, i) => line(i)).join('\n') + '\n');
    // Packets per table on each shard (net_dims_1h: one of its four dimensions), and the rows of sources_1h.
    const measures: [string, string][] = [
      ['net_samples', 'sum(Packets)'], ['net_1m', 'sum(Packets)'], ['net_dims_1h', "sumIf(Packets, Dimension = 'ip')"],
      ['net_sig_1h', 'sum(Packets)'], ['net_sig_1d', 'sum(Packets)'], ['sources_1h', 'count()'],
    ];
    const count = async () => Promise.all(measures.map(([t, m]) =>
      Promise.all(shards.map((s) => scalar(s, `SELECT ${m} AS n FROM ddos.${t}_local WHERE AccountID = 'ingested'`)))));
    const load = () => cli(['ingest', '--dataset', 'network_analytics_logs', '--account', 'ingested', '--batch-rows', '150', file]);

    const first = await load();
    expect(first.stderr).toMatch(/400 new rows, 0 already loaded/);
    const after = await count();
    const [raw] = after;
    expect(raw![0]).toBeGreaterThan(0);
    expect(raw![1]).toBeGreaterThan(0);
    expect(raw![0]! + raw![1]!).toBe(4000);
    for (const [i, perShard] of after.slice(1, 5).entries()) expect(perShard[0]! + perShard[1]!, `rollup ${i}`).toBe(4000);

    const second = await load();
    expect(second.stderr).toMatch(/0 new rows, 400 already loaded/);
    expect(await count()).toEqual(after);
  }, 60_000);
});

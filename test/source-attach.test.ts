import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, toNumber, type TestDb } from './helpers/db.js';
import type { ClickHouseTarget } from '../src/clickhouse/client.js';
import { migrate } from '../src/clickhouse/migrate.js';
import { seedDemo } from '../src/seed/run.js';
import { attachSource, detachSource, sourceTarget, type AttachResult } from '../src/source/attach.js';
import { projectionSql } from '../src/source/projection.js';
import { syncSource, type SyncResult } from '../src/source/sync.js';
import type { SourceDefinition } from '../src/source/types.js';
import { DAY, FLOW_COLUMNS, HOUR, HTTP_COLUMNS, TO_MS, flowLayer, httpLayer, loadTraffic, reportJson } from './helpers/source-fixtures.js';

// The native seed goes to `seed`; from it, the same traffic is written twice: into two provider-shaped tables
// (`prov.flows`, a router flow table; `prov.http`, Logpush-in-ClickHouse with other types) and into the native
// tables of `ddos`, restricted to what the flow table can represent (IPv4 only, whole seconds, its columns).
// The source attached over the provider tables must then give the report `ddos` gives, number for number.
const CUT_MS = TO_MS - 12 * HOUR; // rows after this are inserted after attaching
const CHUNK_MS = 12 * HOUR;

const DEF: SourceDefinition = { name: 'prov', l34: flowLayer('prov.flows', 'materialized-view'), l7: httpLayer('prov.http', 'periodic') };

let db: TestDb;
let src: ClickHouseTarget;
let attached: AttachResult;
const runs: Array<SyncResult | string> = [];
const exec = (query: string) => db.target.client.command({ query });

const load = (fromMs: number, toMs: number) => loadTraffic(exec, { seed: 'seed', flows: 'prov.flows', http: 'prov.http', native: 'ddos' }, fromMs, toMs);

beforeAll(async () => {
  db = await openTestDb();
  const seed = { ...db.target, database: 'seed' };
  await migrate(seed);
  await seedDemo(seed, { seed: 5, scale: 0.005, days: 7, historyDays: 0, toMs: TO_MS });
  await exec('CREATE DATABASE prov');
  await exec(`CREATE TABLE prov.flows (${FLOW_COLUMNS}) ENGINE = MergeTree ORDER BY (tenant_id, ts)`);
  await exec(`CREATE TABLE prov.http (${HTTP_COLUMNS}) ENGINE = MergeTree ORDER BY (AccountID, Datetime)`);
  await load(TO_MS - 7 * DAY, CUT_MS);
  await exec('INSERT INTO ddos.tenants SELECT * FROM seed.tenants');

  attached = await attachSource(db.target, DEF);
  src = sourceTarget(db.target, DEF);
  await exec(`INSERT INTO ${src.database}.tenants SELECT * FROM seed.tenants`);
  // The backfill of everything before attaching, interrupted twice: a bound on the run, then a crash after an
  // INSERT and before its ledger row (the INSERT is repeated on resume and must be discarded as a duplicate).
  const sync = { fromMs: TO_MS - 7 * DAY, toMs: CUT_MS, chunkMs: CHUNK_MS };
  runs.push(await syncSource(db.target, DEF, { ...sync, maxInserts: 7 }));
  try {
    runs.push(await syncSource(db.target, DEF, { ...sync, afterInsert: (p) => { if (p.feeder === 'net_1m_mv') throw new Error('crash'); } }));
  } catch (err) {
    runs.push((err as Error).message);
  }
  runs.push(await syncSource(db.target, DEF, sync));
}, 120_000);

afterAll(async () => db?.close());

describe('a source attached over provider tables', () => {
  it('restates the native schema over views of the provider tables', async () => {
    expect(attached.database).toBe('ddos_src_prov');
    expect(attached.materializedViews).toEqual(expect.arrayContaining(['net_1m_mv', 'net_src_1h_mv', 'sources_1h_mv_l34', 'net_sig_1h_mv']));
    expect(attached.periodic).toEqual(expect.arrayContaining(['l7_1m_mv', 'sources_1h_mv_l7', 'l7_sig_1h_mv']));
    const tables = await db.sql<{ name: string; engine: string }>(`SELECT name, engine FROM system.tables WHERE database = 'ddos_src_prov'`);
    const engine = Object.fromEntries(tables.map((t) => [t.name, t.engine]));
    expect(engine).toMatchObject({ net_samples: 'View', l7_events: 'View', net_1m: 'AggregatingMergeTree', net_1m_mv: 'MaterializedView', net_sig_1d_mv: 'MaterializedView' });
    expect(engine.l7_1m_mv).toBeUndefined();
    // The projection gives the native rows back: same count, packets and distinct sources (egress filtered out).
    const q = `SELECT count() n, sum(Packets) p, sum(Bytes) b, uniqExact(IPSourceAddress) s, max(Datetime) m FROM `;
    const [mine] = await db.sql(q + 'ddos_src_prov.net_samples');
    const [native] = await db.sql(q + 'ddos.net_samples');
    expect(mine).toEqual(native);
    expect(toNumber((native as { n: unknown }).n)).toBeGreaterThan(1000);
  });

  it('a backfill stopped by a bound and by a crash resumes without counting a chunk twice', async () => {
    const [bounded, crashed, last] = runs;
    expect(bounded).toMatchObject({ inserted: 7, complete: false });
    expect(crashed).toBe('crash');
    expect(last).toMatchObject({ complete: true });
    expect((last as SyncResult).skipped).toBeGreaterThan(7);
    // Chunks cut another way would overlap counted rows: refused, with the length to use.
    await expect(syncSource(db.target, DEF, { fromMs: TO_MS - 7 * DAY, toMs: CUT_MS, chunkMs: 6 * HOUR })).rejects.toThrow(/sync with chunkMs 43200000/);
    for (const [table, sum] of [['net_1m', 'sum(Packets)'], ['net_sig_1d', 'sum(Packets)'], ['l7_1m', 'sum(Events)'], ['net_dims_1h', 'sum(Bytes)']]) {
      const [a] = await db.sql<{ v: unknown }>(`SELECT ${sum} v FROM ddos_src_prov.${table}`);
      const [b] = await db.sql<{ v: unknown }>(`SELECT ${sum} v FROM ddos.${table}`);
      expect({ table, v: toNumber(a!.v) }).toEqual({ table, v: toNumber(b!.v) });
    }
  });

  it('gives the native report, number for number', async () => {
    const mine = await reportJson(src);
    expect((mine as { totals: { l34: { packets: number } } }).totals.l34.packets).toBeGreaterThan(0);
    expect(mine).toEqual(await reportJson(db.target));
  });

  it('rows inserted after attaching: L3/4 at once (materialized views), L7 after a sync (periodic)', async () => {
    await load(CUT_MS, TO_MS);
    const native = (await reportJson(db.target)) as { totals: { l34: unknown; l7: { events: number } } };
    const before = (await reportJson(src)) as typeof native;
    expect(before.totals.l34).toEqual(native.totals.l34);
    expect(before.totals.l7.events).toBeLessThan(native.totals.l7.events);
    const r = await syncSource(db.target, DEF, { fromMs: CUT_MS, toMs: TO_MS, chunkMs: CHUNK_MS, layers: ['l7'] });
    expect(r).toMatchObject({ skipped: 0, complete: true });
    expect(await reportJson(src)).toEqual(native);
  });
});

describe('definitions the attach refuses, before any statement', () => {
  it('names an unknown column, a missing required one, and a table function fed by materialized views', async () => {
    const l34 = DEF.l34!;
    expect(() => projectionSql('l34', { ...l34, columns: { ...l34.columns, SrcAddr: 'src_addr' } })).toThrow(/SrcAddr are not columns of net_samples/);
    expect(() => projectionSql('l34', { ...l34, columns: { ...l34.columns, AccountID: null } })).toThrow(/lacks AccountID, which net_samples requires/);
    const fn: SourceDefinition = { name: 'remote_flows', l34: { ...l34, table: "remote('h:9000', 'db', 'flows')", tableFunction: true } };
    await expect(attachSource(db.target, fn)).rejects.toThrow(/cannot trigger a materialized view: use feed: periodic/);
    await expect(attachSource(db.target, { ...DEF, name: 'x-y' })).rejects.toThrow(/not a plain identifier/);
  });

  it('detaching drops the source database and its views on the provider table, leaving the table', async () => {
    await detachSource(db.target, DEF);
    const left = await db.sql(`SELECT name FROM system.tables WHERE database = 'ddos_src_prov'`);
    expect(left).toEqual([]);
    await exec(`INSERT INTO prov.flows (tenant_id, ts) VALUES (1, 1)`);
    const [n] = await db.sql<{ n: unknown }>(`SELECT count() n FROM prov.flows WHERE ts = 1`);
    expect(toNumber(n!.n)).toBe(1);
  });
});

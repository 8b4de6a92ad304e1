import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, toNumber, type TestDb } from './helpers/db.js';
import type { ClickHouseTarget } from '../src/clickhouse/client.js';
import { migrate } from '../src/clickhouse/migrate.js';
import { seedDemo } from '../src/seed/run.js';
import { attachSource, detachSource, sourceTarget, type AttachResult } from '../src/source/attach.js';
import { projectionSql } from '../src/source/projection.js';
import { syncSource, type SyncResult } from '../src/source/sync.js';
import { unsyncedRanges } from '../src/source/coverage.js';
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

  // The views count rows from CUT_MS on (inserted after attaching); the sync fills what is before.
  attached = await attachSource(db.target, DEF, { feedFromMs: CUT_MS });
  src = sourceTarget(db.target, DEF);
  // The backfill of everything before attaching, interrupted twice: a bound on the run, then a crash after an
  // INSERT and before its ledger row (the INSERT is repeated on resume and must be discarded as a duplicate).
  const sync = { fromMs: TO_MS - 7 * DAY, toMs: CUT_MS, chunkMs: CHUNK_MS };
  runs.push(await syncSource(db.target, DEF, { ...sync, maxInserts: 7 }));
  try {
    runs.push(await syncSource(db.target, DEF, { ...sync, afterInsert: (p) => { if (p.feeder === 'net_1m_mv') throw new Error('crash'); } }));
  } catch (err) {
    runs.push((err as Error).message);
  }
  // Resumed with another chunk length: the unfinished INSERT is repeated with its own bounds, the rest cut anew.
  runs.push(await syncSource(db.target, DEF, { ...sync, chunkMs: 5 * HOUR }));
}, 120_000);

afterAll(async () => db?.close());

describe('a source attached over provider tables', () => {
  it('restates the native schema over views of the provider tables', async () => {
    expect(attached.database).toBe('ddos_src_prov');
    expect(attached.materializedViews).toEqual(expect.arrayContaining(['net_1m_mv', 'net_src_1h_mv', 'sources_1h_mv_l34', 'net_sig_1h_mv']));
    expect(attached.periodic).toEqual(expect.arrayContaining(['l7_1m_mv', 'sources_1h_mv_l7', 'l7_sig_1h_mv']));
    const tables = await db.sql<{ name: string; engine: string }>(`SELECT name, engine FROM system.tables WHERE database = 'ddos_src_prov'`);
    const engine = Object.fromEntries(tables.map((t) => [t.name, t.engine]));
    // The tenant directory is the store's: names loaded there (before attaching, here) are the source's too.
    expect(toNumber((await db.sql<{ n: unknown }>('SELECT count() n FROM ddos_src_prov.tenants'))[0]!.n)).toBeGreaterThan(0);
    expect(engine).toMatchObject({ tenants: 'View', net_samples: 'View', l7_events: 'View', net_1m: 'AggregatingMergeTree', net_1m_mv: 'MaterializedView', net_sig_1d_mv: 'MaterializedView' });
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
    // The INSERT the crash interrupted is repeated first, with its own bounds (its rows dropped as duplicates).
    expect(last).toMatchObject({ complete: true, repeated: 1, late: [] });
    expect((bounded as SyncResult).inserted + (last as SyncResult).inserted).toBeGreaterThan(7);
    // Chunks cut another way read only what no finished range covers: nothing here.
    expect(await syncSource(db.target, DEF, { fromMs: TO_MS - 7 * DAY + HOUR, toMs: CUT_MS, chunkMs: 5 * HOUR })).toMatchObject({ inserted: 0, repeated: 0, late: [] });
    for (const [table, sum] of [['net_1m', 'sum(Packets)'], ['net_sig_1d', 'sum(Packets)'], ['l7_1m', 'sum(Events)'], ['net_dims_1h', 'sum(Bytes)']]) {
      const [a] = await db.sql<{ v: unknown }>(`SELECT ${sum} v FROM ddos_src_prov.${table}`);
      const [b] = await db.sql<{ v: unknown }>(`SELECT ${sum} v FROM ddos.${table}`);
      expect({ table, v: toNumber(a!.v) }).toEqual({ table, v: toNumber(b!.v) });
    }
  });

  it('knows which parts of a window its rollups do not hold: a hole before the backfill, the periodic layer\'s tail', async () => {
    expect(await unsyncedRanges(db.target, DEF, TO_MS - 7 * DAY, TO_MS)).toEqual([{ layer: 'l7', fromMs: CUT_MS, toMs: TO_MS, tail: true }]);
    expect(await unsyncedRanges(db.target, DEF, TO_MS - 8 * DAY, CUT_MS)).toEqual([
      { layer: 'l34', fromMs: TO_MS - 8 * DAY, toMs: TO_MS - 7 * DAY, tail: false },
      { layer: 'l7', fromMs: TO_MS - 8 * DAY, toMs: TO_MS - 7 * DAY, tail: false },
    ]);
    // After the feed start the views count: nothing for L3/4 to sync there.
    expect(await unsyncedRanges(db.target, { ...DEF, l7: undefined }, CUT_MS, TO_MS)).toEqual([]);
  });

  it('gives the native report, number for number', async () => {
    const mine = await reportJson(src);
    expect((mine as { totals: { l34: { packets: number } } }).totals.l34.packets).toBeGreaterThan(0);
    expect(mine).toEqual(await reportJson(db.target));
  });

  it('rows inserted after attaching: L3/4 at once (materialized views), L7 after syncs up to a moving horizon (periodic)', async () => {
    await load(CUT_MS, TO_MS);
    const native = (await reportJson(db.target)) as { totals: { l34: unknown; l7: { events: number } } };
    const before = (await reportJson(src)) as typeof native;
    expect(before.totals.l34).toEqual(native.totals.l34);
    expect(before.totals.l7.events).toBeLessThan(native.totals.l7.events);
    // A horizon off the chunk grid, then none: the second sync reads only what the first did not. L3/4 is not
    // read past CUT_MS, where its views count (reading it would double it).
    const first = await syncSource(db.target, DEF, { fromMs: CUT_MS, toMs: TO_MS, chunkMs: CHUNK_MS, horizonMs: CUT_MS + 5 * HOUR + 17 * 60_000 });
    expect(first.cut).toEqual([{ layer: 'l34', atMs: CUT_MS, why: 'materialized views' }, { layer: 'l7', atMs: CUT_MS + 5 * HOUR + 17 * 60_000, why: 'horizon' }]);
    const second = await syncSource(db.target, DEF, { fromMs: TO_MS - 7 * DAY, toMs: TO_MS, chunkMs: CHUNK_MS });
    expect(second).toMatchObject({ complete: true, repeated: 0, late: [] });
    expect(second.inserted).toBe(first.inserted);
    expect(await reportJson(src)).toEqual(native);
    expect(await unsyncedRanges(db.target, DEF, TO_MS - 7 * DAY, TO_MS)).toEqual([]);
  });

  it('rows arriving in a range already synced are found and counted, not silently left out', async () => {
    const at = TO_MS - 3 * DAY + 5 * 60_000;
    await exec(`INSERT INTO prov.http (AccountID, Datetime, SampleInterval, ClientIP) SELECT 'acme', ${at}000000 + number, 1, '192.0.2.1' FROM numbers(5)`);
    const r = await syncSource(db.target, DEF, { fromMs: TO_MS - 4 * DAY, toMs: TO_MS - 2 * DAY, chunkMs: CHUNK_MS });
    expect(r.inserted).toBe(0);
    expect(r.late).toHaveLength(1);
    const [late] = r.late;
    // The range that held them, as the backfill cut it (5-hour chunks after its resume).
    expect(late).toMatchObject({ layer: 'l7', fromMs: Math.floor(at / (5 * HOUR)) * 5 * HOUR, toMs: Math.floor(at / (5 * HOUR)) * 5 * HOUR + 5 * HOUR });
    expect(late!.now - late!.counted).toBe(5);
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

  it('an explicit feed start with rows at or after it already in the table is refused, leaving nothing', async () => {
    await expect(attachSource(db.target, { ...DEF, name: 'early' }, { feedFromMs: TO_MS - 7 * DAY })).rejects.toThrow(/row\(s\) at or after the feed start .* are in your table already/);
    expect(await db.sql(`SELECT name FROM system.databases WHERE name = 'ddos_src_early'`)).toEqual([]);
  });

  it('by default the views count from the coming minutes on, and a sync stops there', async () => {
    const def: SourceDefinition = { name: 'live', l34: DEF.l34! };
    const r = await attachSource(db.target, def);
    const [now] = await db.sql<{ ms: unknown }>('SELECT toUnixTimestamp64Milli(now64(3)) ms');
    expect(r.feedFromMs! - toNumber(now!.ms)).toBeGreaterThan(0);
    expect(r.feedFromMs! - toNumber(now!.ms)).toBeLessThanOrEqual(2 * 60_000);
    const row = (ms: number, packets: number) => exec(`INSERT INTO prov.flows (tenant_id, ts, packets, direction) VALUES (1, ${Math.floor(ms / 1000)}, ${packets}, 'ingress')`);
    const packets = async () => toNumber((await db.sql<{ p: unknown }>('SELECT sum(Packets) p FROM ddos_src_live.net_1m'))[0]!.p);
    await row(r.feedFromMs!, 7); // the views': counted at once
    await row(r.feedFromMs! - 60_000, 11); // before the start, inserted late: the sync's
    expect(await packets()).toBe(7);
    const s = await syncSource(db.target, def, { fromMs: r.feedFromMs! - HOUR, toMs: r.feedFromMs! + HOUR });
    expect(s.cut).toEqual([{ layer: 'l34', atMs: r.feedFromMs!, why: 'materialized views' }]);
    expect(await packets()).toBe(18);
    await detachSource(db.target, def);
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

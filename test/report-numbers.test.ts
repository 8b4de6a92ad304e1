import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, toNumber, type TestDb } from './helpers/db.js';
import { seedDemo } from '../src/seed/run.js';
import { buildReport } from '../src/report/build.js';
import { toClickHouseTime } from '../src/clickhouse/time.js';
import { resolveWindow } from '../src/report/window.js';
import type { ReportModel } from '../src/report/model.js';
import { renderHtml } from '../src/render/html.js';
import { formatBytes } from '../src/util/format.js';

// Every figure is checked against SQL written from the domain definitions (Σ SampleInterval,
// Σ SampleInterval × IPTotalLength) over the raw tables, not against the rollups the report reads.
let db: TestDb;
let model: ReportModel;
let from: string;
let to: string;
const TO_MS = Date.parse('2026-11-20T00:00:00Z');

const RAW_WHERE = 'AccountID = {a:String} AND Datetime >= {from:DateTime64(3)} AND Datetime < {to:DateTime64(3)}';

beforeAll(async () => {
  db = await openTestDb();
  await seedDemo(db.target, { seed: 11, scale: 0.03, days: 30, toMs: TO_MS });
  const window = resolveWindow({ from: new Date(TO_MS - 30 * 86_400_000).toISOString(), to: new Date(TO_MS).toISOString(), tz: 'America/New_York' });
  from = toClickHouseTime(window.fromMs);
  to = toClickHouseTime(window.toMs);
  model = await buildReport(db.target, { accountId: 'acme', zoneIds: [], window });
});

afterAll(async () => db?.close());

describe('report numbers equal independent SQL on the raw tables', () => {
  it('L3/4 and L7 totals', async () => {
    const [net] = await db.sql<Record<string, string>>(
      `SELECT sum(SampleInterval) p, sum(toUInt64(SampleInterval) * IPTotalLength) b,
              sumIf(SampleInterval, Outcome = 'drop') dp, sumIf(toUInt64(SampleInterval) * IPTotalLength, Outcome = 'drop') db_,
              sumIf(SampleInterval, AttackVector != '') ap
       FROM ddos.net_samples WHERE ${RAW_WHERE}`, { a: 'acme', from, to });
    const [l7] = await db.sql<Record<string, string>>(
      `SELECT sum(SampleInterval) e, sumIf(SampleInterval, Action NOT IN ('log', 'allow', 'skip', '')) m
       FROM ddos.l7_events WHERE ${RAW_WHERE}`, { a: 'acme', from, to });
    expect(toNumber(net!.p)).toBeGreaterThan(0);
    expect(model.totals.l34).toMatchObject({
      packets: toNumber(net!.p), bytes: toNumber(net!.b), droppedPackets: toNumber(net!.dp), droppedBytes: toNumber(net!.db_), attackPackets: toNumber(net!.ap),
    });
    expect(model.totals.l7.events).toBe(toNumber(l7!.e));
    expect(model.totals.l7.mitigatedEvents).toBe(toNumber(l7!.m));
  });

  it('per-vector volumes and one-minute peaks', async () => {
    const net = await db.sql<Record<string, string>>(
      `SELECT AttackVector v, sum(mp) p, sum(mb) b, max(mp) / 60 pps, max(mb) * 8 / 60 bps FROM (
         SELECT AttackVector, toStartOfMinute(Datetime) m, sum(SampleInterval) mp, sum(toUInt64(SampleInterval) * IPTotalLength) mb
         FROM ddos.net_samples WHERE ${RAW_WHERE} AND AttackVector != '' GROUP BY AttackVector, m)
       GROUP BY v`, { a: 'acme', from, to });
    const l7 = await db.sql<Record<string, string>>(
      `SELECT AttackVector v, sum(me) e, max(me) / 60 rps FROM (
         SELECT AttackVector, toStartOfMinute(Datetime) m, sum(SampleInterval) me
         FROM ddos.l7_events WHERE ${RAW_WHERE} AND AttackVector != '' GROUP BY AttackVector, m)
       GROUP BY v`, { a: 'acme', from, to });
    expect(model.vectors.filter((v) => v.layer === 'L3/4').map((v) => v.vector).sort()).toEqual(net.map((r) => r.v).sort());
    expect(model.vectors.filter((v) => v.layer === 'L7').map((v) => v.vector).sort()).toEqual(l7.map((r) => r.v).sort());
    for (const r of net) {
      const v = model.vectors.find((x) => x.layer === 'L3/4' && x.vector === r.v)!;
      expect(v.packets).toBe(toNumber(r.p));
      expect(v.bytes).toBe(toNumber(r.b));
      expect(v.peakPps).toBeCloseTo(toNumber(r.pps), 6);
      expect(v.peakBps).toBeCloseTo(toNumber(r.bps), 3);
    }
    for (const r of l7) {
      const v = model.vectors.find((x) => x.layer === 'L7' && x.vector === r.v)!;
      expect(v.events).toBe(toNumber(r.e));
      expect(v.peakRps).toBeCloseTo(toNumber(r.rps), 6);
    }
  });

  it('attacks: the planted episodes, with span, vectors, volume and peaks', async () => {
    const truth = await db.sql<{ AttackID: string; Layer: string; Vectors: string[]; Shape: string; s: string; e: string }>(
      `SELECT AttackID, Layer, Shape, arraySort(Vectors) Vectors, toUnixTimestamp(StartTime) s, toUnixTimestamp(EndTime) e
       FROM ddos.seed_episodes WHERE AccountID = 'acme'`);
    expect(model.attacks.map((a) => a.id).sort()).toEqual(truth.map((t) => t.AttackID).sort());
    const raw = await db.sql<Record<string, string>>(
      `SELECT AttackID id, toUnixTimestamp(min(m)) s, toUnixTimestamp(max(m)) + 60 e, sum(mp) p, max(mp) / 60 pps FROM (
         SELECT AttackID, toStartOfMinute(Datetime) m, sum(SampleInterval) mp FROM ddos.net_samples
         WHERE ${RAW_WHERE} AND AttackID != '' GROUP BY AttackID, m) GROUP BY id`, { a: 'acme', from, to });
    for (const t of truth) {
      const a = model.attacks.find((x) => x.id === t.AttackID)!;
      expect(a.layer).toBe(t.Layer);
      expect(a.vectors).toEqual(t.Vectors);
      // The report shows the observed span (first to last sampled minute): it lies inside the planted span at
      // minute resolution, and for flat-topped episodes it matches within two minutes at each end.
      const plantedStart = Math.floor(toNumber(t.s) / 60) * 60;
      const plantedEnd = Math.ceil(toNumber(t.e) / 60) * 60;
      expect(Date.parse(a.start) / 1000).toBeGreaterThanOrEqual(plantedStart);
      expect(Date.parse(a.end) / 1000).toBeLessThanOrEqual(plantedEnd);
      if (t.Shape === 'plateau') {
        expect(Date.parse(a.start) / 1000 - plantedStart).toBeLessThanOrEqual(120);
        expect(plantedEnd - Date.parse(a.end) / 1000).toBeLessThanOrEqual(120);
      }
    }
    for (const r of raw) {
      const a = model.attacks.find((x) => x.id === r.id)!;
      expect(a.packets).toBe(toNumber(r.p));
      expect(a.peakPps).toBeCloseTo(toNumber(r.pps), 6);
      expect(a.start).toBe(new Date(toNumber(r.s) * 1000).toISOString());
    }
  });

  it('attack traffic that got through, per attack', async () => {
    const passed = await db.sql<Record<string, string>>(
      `SELECT AttackID id, sumIf(SampleInterval, Outcome != 'drop') p, sum(SampleInterval) t FROM ddos.net_samples
       WHERE ${RAW_WHERE} AND AttackID != '' GROUP BY id HAVING p > 0`, { a: 'acme', from, to });
    const l34 = model.mitigation.passedDuringAttacks.filter((x) => x.layer === 'L3/4');
    expect(l34.map((x) => x.attackId).sort()).toEqual(passed.map((r) => r.id).sort());
    for (const r of passed) {
      const x = l34.find((y) => y.attackId === r.id)!;
      expect(x.passedPackets).toBe(toNumber(r.p));
      expect(x.passedShare).toBeCloseTo(toNumber(r.p) / toNumber(r.t), 12);
    }
    // Ranked by what got through, not by the share of the attack: the first L3/4 row let the most bytes through.
    const bytes = l34.map((x) => x.passedBytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => b - a));
    const shares = l34.map((x) => x.passedShare);
    expect(shares).not.toEqual([...shares].sort((a, b) => b - a)); // the two orders differ on this data, so the test tells them apart
    const sentence = model.summary.sentences.find((x) => x.includes('got through during'))!;
    expect(sentence).toMatch(/^By volume, the most attack traffic got through during/);
    expect(sentence).toContain(`${formatBytes(bytes[0]!)} passed`);
  });

  it('top targets and sources', async () => {
    const ips = await db.sql<Record<string, string>>(
      `SELECT IPv4NumToString(toIPv4(replaceOne(IPv6NumToString(IPDestinationAddress), '::ffff:', ''))) ip, sum(SampleInterval) p
       FROM ddos.net_samples WHERE ${RAW_WHERE} AND AttackVector != '' GROUP BY ip ORDER BY p DESC, ip LIMIT 3`, { a: 'acme', from, to });
    expect(model.topTargets.ips.slice(0, 3).map((i) => [i.value, i.packets])).toEqual(ips.map((r) => [r.ip, toNumber(r.p)]));
    const [country] = await db.sql<Record<string, string>>(
      `SELECT ClientCountry c, sum(SampleInterval) e FROM ddos.l7_events WHERE ${RAW_WHERE}
       AND Action NOT IN ('log', 'allow', 'skip', '') GROUP BY c ORDER BY e DESC, c LIMIT 1`, { a: 'acme', from, to });
    expect(model.topSources.l7.countries[0]).toMatchObject({ value: country!.c, events: toNumber(country!.e) });
    expect(model.topSources.l34.caveat).toMatch(/spoofed/);
  });

  it('summary names the largest attack and the time zone', () => {
    const maxBps = Math.max(...model.attacks.map((a) => a.peakBps));
    expect(model.summary.largestByBps?.value).toBe(maxBps);
    expect(model.summary.attackCount).toBe(model.attacks.length);
    expect(model.summary.sentences.at(-1)).toBe('Times are shown in America/New_York.');
  });
});

describe('top lists are exact whether served by the hourly rollups or by raw rows at the edges', () => {
  // Edges of 43 and 37 minutes: both the rollup part and the raw part of each query are exercised.
  const fromMs = TO_MS - 20 * 86_400_000 + 17 * 60_000;
  const toMs = TO_MS - 2 * 86_400_000 - 23 * 60_000;
  const params = () => ({ a: 'acme', from: toClickHouseTime(fromMs), to: toClickHouseTime(toMs) });
  let m: ReportModel;
  beforeAll(async () => {
    m = await buildReport(db.target, { accountId: 'acme', zoneIds: [], window: resolveWindow({ from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() }) });
  });

  it.each([
    ['ports', "if(IPProtocolName IN ('tcp', 'udp') OR DestinationPort != 0, concat(toString(DestinationPort), '/', toString(IPProtocolName)), concat(upper(toString(IPProtocolName)), ' (no port)'))"],
    ['colos', 'toString(ColoCode)'],
    ['asns', 'toString(SourceASN)'],
  ])('L3/4 %s', async (list, expr) => {
    const rows = await db.sql<Record<string, string>>(
      `SELECT ${expr} v, sum(SampleInterval) p, sum(toUInt64(SampleInterval) * IPTotalLength) b FROM ddos.net_samples
       WHERE ${RAW_WHERE} AND AttackVector != '' GROUP BY v ORDER BY p DESC, v LIMIT 10`, params());
    const items = list === 'ports' ? m.topTargets.ports : m.topSources.l34[list as 'colos' | 'asns'];
    expect(rows.length).toBeGreaterThan(0);
    expect(items.map((i) => [i.value, i.packets, i.bytes])).toEqual(rows.map((r) => [r.v, toNumber(r.p), toNumber(r.b)]));
  });

  it.each([
    ['paths', 'ClientRequestPath'],
    ['hosts', 'toString(ClientRequestHost)'],
  ])('L7 %s', async (list, expr) => {
    const rows = await db.sql<Record<string, string>>(
      `SELECT ${expr} v, sum(SampleInterval) e FROM ddos.l7_events
       WHERE ${RAW_WHERE} AND Action NOT IN ('log', 'allow', 'skip', '') GROUP BY v ORDER BY e DESC, v LIMIT 10`, params());
    expect(rows.length).toBeGreaterThan(0);
    expect(m.topTargets[list as 'paths' | 'hosts'].map((i) => [i.value, i.events])).toEqual(rows.map((r) => [r.v, toNumber(r.e)]));
  });

  it('attack targets', async () => {
    const rows = await db.sql<Record<string, string>>(
      `SELECT AttackID id, replaceOne(IPv6NumToString(IPDestinationAddress), '::ffff:', '') ip, sum(SampleInterval) p FROM ddos.net_samples
       WHERE ${RAW_WHERE} AND AttackID != '' GROUP BY id, ip ORDER BY id, p DESC, ip LIMIT 1 BY id`, params());
    const l34 = m.attacks.filter((a) => a.layer === 'L3/4');
    expect(l34.length).toBeGreaterThan(0);
    expect(l34.map((a) => [a.id, a.target.ip]).sort()).toEqual(rows.map((r) => [r.id, r.ip]).sort());
  });
});

describe('period over period equals independent SQL on the previous window', () => {
  // The last 15 days of the seeded 30 against the 15 days before them.
  const mid = TO_MS - 15 * 86_400_000;
  let m: ReportModel;
  beforeAll(async () => {
    m = await buildReport(db.target, { accountId: 'acme', zoneIds: [], window: resolveWindow({ from: new Date(mid).toISOString(), to: new Date(TO_MS).toISOString() }) });
  });
  const prev = () => ({ a: 'acme', from: toClickHouseTime(mid - 15 * 86_400_000), to: toClickHouseTime(mid) });
  const metric = (key: string) => m.comparison.metrics.find((x) => x.metric === key)!;

  it('counts, volumes and the largest attack of the previous window', async () => {
    const [r] = await db.sql<Record<string, string>>(
      `SELECT
         (SELECT uniqExact(AttackID) FROM ddos.net_samples WHERE ${RAW_WHERE} AND AttackID != '') +
         (SELECT uniqExact(AttackID) FROM ddos.l7_events WHERE ${RAW_WHERE} AND AttackID != '') AS attacks,
         (SELECT sum(toUInt64(SampleInterval) * IPTotalLength) FROM ddos.net_samples WHERE ${RAW_WHERE} AND AttackVector != '') AS bytes,
         (SELECT max(p) * 8 / 60 FROM (SELECT sum(toUInt64(SampleInterval) * IPTotalLength) p FROM ddos.net_samples
            WHERE ${RAW_WHERE} AND AttackID != '' GROUP BY AttackID, toStartOfMinute(Datetime))) AS largestBps`, prev());
    expect(toNumber(r!.attacks)).toBeGreaterThan(0);
    expect(metric('attacks')).toMatchObject({ previous: toNumber(r!.attacks), current: m.attacks.length });
    expect(metric('l34AttackBytes').previous).toBe(toNumber(r!.bytes));
    expect(metric('l34AttackBytes').current).toBe(m.totals.l34.attackBytes);
    expect(metric('largestBps').previous).toBeCloseTo(toNumber(r!.largestBps), 3);
    const c = metric('l34AttackBytes');
    expect(c.change).toBeCloseTo((c.current - c.previous) / c.previous, 12);
  });

  it('new vectors and new targets are those absent from the previous window', async () => {
    const seenVectors = new Set((await db.sql<{ v: string }>(
      `SELECT DISTINCT AttackVector v FROM ddos.net_samples WHERE ${RAW_WHERE} AND AttackVector != ''
       UNION ALL SELECT DISTINCT AttackVector v FROM ddos.l7_events WHERE ${RAW_WHERE} AND AttackVector != ''`, prev())).map((r) => r.v));
    const currentVectors = new Set(m.vectors.map((v) => v.vector));
    for (const v of m.comparison.vectors) expect(v.isNew).toBe(!seenVectors.has(v.vector));
    // What went away is listed too: every vector of the previous window appears, those absent now as gone.
    expect(new Set(m.comparison.vectors.map((v) => v.vector))).toEqual(new Set([...seenVectors, ...currentVectors]));
    for (const v of m.comparison.vectors) expect(v.status === 'gone').toBe(!currentVectors.has(v.vector));
    const seenIps = new Set((await db.sql<{ ip: string }>(
      `SELECT DISTINCT replaceOne(IPv6NumToString(IPDestinationAddress), '::ffff:', '') ip FROM ddos.net_samples WHERE ${RAW_WHERE} AND AttackVector != ''`, prev())).map((r) => r.ip));
    const expectedNewIps = m.topTargets.ips.map((i) => i.value).filter((ip) => !seenIps.has(ip)).sort();
    expect(m.comparison.newTargets.filter((t) => t.kind === 'ip').map((t) => t.value).sort()).toEqual(expectedNewIps);
  });
});

describe('data coverage: which span the data covers', () => {
  it('per layer, first and last minute in the window and the last seen at all, against the raw tables', async () => {
    const span = async (table: string, where: string, params: Record<string, unknown>) => (await db.sql<Record<string, string>>(
      `SELECT toUnixTimestamp(toStartOfMinute(min(Datetime))) f, toUnixTimestamp(toStartOfMinute(max(Datetime))) l FROM ddos.${table} WHERE ${where}`, params))[0]!;
    const isoS = (v: string, plus = 0) => new Date((toNumber(v) + plus) * 1000).toISOString();
    for (const [layer, table] of [['L3/4', 'net_samples'], ['L7', 'l7_events']] as const) {
      const inWindow = await span(table, RAW_WHERE, { a: 'acme', from, to });
      const ever = await span(table, 'AccountID = {a:String}', { a: 'acme' });
      expect(model.coverage.layers.find((l) => l.layer === layer)).toEqual({
        layer, firstInWindow: isoS(inWindow.f!), lastInWindow: isoS(inWindow.l!, 60), lastSeen: isoS(ever.l!, 60),
      });
    }
    expect(model.coverage).toMatchObject({ dataEndsEarly: false, dataEnd: null, missingSeconds: 0 });
    expect(model.summary.sentences[0]).not.toMatch(/data ends/);
  });

  it('a window that runs past the data says prominently where the data ends: summary, cover and JSON', async () => {
    // The seeded data ends at TO_MS; this window runs 6 hours past it.
    const m = await buildReport(db.target, { accountId: 'acme', zoneIds: [], window: resolveWindow({ from: new Date(TO_MS - 18 * 3_600_000).toISOString(), to: new Date(TO_MS + 6 * 3_600_000).toISOString() }) });
    const [last] = await db.sql<Record<string, string>>(
      `SELECT toUnixTimestamp(toStartOfMinute(greatest((SELECT max(Datetime) FROM ddos.net_samples WHERE AccountID = 'acme'),
                                                    (SELECT max(Datetime) FROM ddos.l7_events WHERE AccountID = 'acme')))) + 60 e`);
    const dataEnd = new Date(toNumber(last!.e) * 1000).toISOString();
    expect(m.coverage).toMatchObject({ dataEndsEarly: true, dataEnd, missingSeconds: (TO_MS + 6 * 3_600_000) / 1000 - toNumber(last!.e) });
    expect(m.summary.sentences[0]).toMatch(/^The data ends at .*before the end of this window: later traffic may not have arrived yet/);
    const { html } = await renderHtml(m);
    const cover = html.slice(html.indexOf('class="cover"'), html.indexOf('</section>', html.indexOf('class="cover"')));
    expect(cover).toContain('Data only until');
  });
});

describe('tenancy and odd data', () => {
  it('a zone filter keeps only that zone (account-level L3/4 traffic excluded)', async () => {
    const window = resolveWindow({ from: new Date(TO_MS - 30 * 86_400_000).toISOString(), to: new Date(TO_MS).toISOString() });
    const m = await buildReport(db.target, { accountId: 'acme', zoneIds: ['acme-api'], window });
    const [r] = await db.sql<Record<string, string>>(
      `SELECT sum(SampleInterval) e FROM ddos.l7_events WHERE ${RAW_WHERE} AND ZoneID = 'acme-api'`, { a: 'acme', from, to });
    expect(m.totals.l7.events).toBe(toNumber(r!.e));
    expect(m.totals.l34.packets).toBe(0);
    expect(m.attacks.every((a) => a.layer === 'L7')).toBe(true);
  });

  it('an unknown account gives an empty report that says no data was seen', async () => {
    const window = resolveWindow({ last: '7d' });
    const m = await buildReport(db.target, { accountId: 'no-such-account', zoneIds: [], window });
    expect(m.attacks).toEqual([]);
    expect(m.vectors).toEqual([]);
    expect(m.notes.join(' ')).toMatch(/No data was seen for account no-such-account/);
    expect(m.summary.sentences[0]).toMatch(/No traffic or security events/);
  });

  it('reports a vector label it does not know exactly as it appears', async () => {
    const label = 'Zorglub storm ☃ <b>v2</b>';
    await db.target.client.insert({
      table: 'ddos.net_samples', format: 'JSONEachRow',
      values: [0, 1, 2].map((i) => ({ AccountID: 'oddities', Datetime: `2026-11-10 10:0${i}:00.000`, SampleInterval: 100, IPTotalLength: 60, AttackVector: label })),
    });
    const m = await buildReport(db.target, { accountId: 'oddities', zoneIds: [], window: resolveWindow({ from: '2026-11-10T00:00:00Z', to: '2026-11-11T00:00:00Z' }) });
    expect(m.vectors).toHaveLength(1);
    expect(m.vectors[0]).toMatchObject({ vector: label, family: null, packets: 300, bytes: 18000, peakPps: 100 / 60 });
    // No attack ids in this telemetry: the attack is detected from the minute series.
    expect(m.attacks).toHaveLength(1);
    expect(m.attacks[0]).toMatchObject({
      source: 'detected', layer: 'L3/4', vectors: [label], start: '2026-11-10T10:00:00.000Z', end: '2026-11-10T10:03:00.000Z',
      packets: 300, bytes: 18000, peakPps: 100 / 60, durationBucket: 'UNDER_10_MINS', sizeBucket: 'UNDER_500_MBPS',
    });
    expect(m.summary.sentences.join(' ')).toMatch(/all detected from the traffic itself/);
    // The comparison counts the same attacks the report lists, detected ones included.
    expect(m.comparison.metrics.find((x) => x.metric === 'attacks')?.current).toBe(m.attacks.length);
  });

  it('data without a mitigation outcome (flow exports) reads "not recorded", never "0.0%" dropped', async () => {
    // The 'oddities' rows of the test above carry no Outcome, like CIC flows.
    const m = await buildReport(db.target, { accountId: 'oddities', zoneIds: [], window: resolveWindow({ from: '2026-11-10T00:00:00Z', to: '2026-11-11T00:00:00Z' }) });
    expect(m.mitigation.l34OutcomeRecorded).toBe(false);
    expect(m.summary.mitigatedShare.l34Bytes).toBeNull();
    const { html } = await renderHtml(m);
    const section = (id: string) => html.slice(html.indexOf(`id="${id}"`), html.indexOf('</section>', html.indexOf(`id="${id}"`)));
    for (const id of ['attacks', 'vectors', 'summary']) {
      expect(section(id), id).toContain('not recorded');
      expect(section(id), id).not.toMatch(/(^|[^0-9.])0\.0%/);
    }
    expect(model.mitigation.l34OutcomeRecorded).toBe(true);
  });

  it('an attack id without a vector is named as such, with no claim about its targets', async () => {
    await db.target.client.insert({
      table: 'ddos.net_samples', format: 'JSONEachRow',
      values: [0, 1, 2].map((i) => ({
        AccountID: 'novector', Datetime: `2026-11-10 10:0${i}:00.000`, SampleInterval: 100, IPTotalLength: 60, AttackID: 'atk-1', Outcome: 'pass',
        IPDestinationAddress: '::ffff:203.0.113.7',
      })),
    });
    const m = await buildReport(db.target, { accountId: 'novector', zoneIds: [], window: resolveWindow({ from: '2026-11-10T00:00:00Z', to: '2026-11-11T00:00:00Z' }) });
    expect(m.attacks).toMatchObject([{ id: 'atk-1', vectors: [], packets: 300 }]);
    const text = m.summary.sentences.join(' ');
    expect(text).not.toMatch(/several targets/);
    expect(text).toContain('no vector recorded');
    expect(text).not.toMatch(/the  attack/);
  });

  it('a previous period before the data starts reads "no data", in the model, the summary and the page', async () => {
    // The 'oddities' rows start on 2026-11-10: the day before holds nothing.
    const m = await buildReport(db.target, { accountId: 'oddities', zoneIds: [], window: resolveWindow({ from: '2026-11-10T00:00:00Z', to: '2026-11-11T00:00:00Z' }) });
    expect(m.comparison.previousHasData).toBe(false);
    expect(m.comparison.vectors.map((v) => v.status)).toEqual(['no-data']);
    expect(m.comparison.newVectors).toEqual([]);
    expect(m.summary.sentences.join(' ')).toMatch(/There is no data for the previous period/);
    const { html } = await renderHtml(m);
    const section = html.slice(html.indexOf('id="comparison"'), html.indexOf('</section>', html.indexOf('id="comparison"')));
    expect(section).toContain('no data');
    expect(section).not.toMatch(/>new</);
  });

  it('re-seeding replaces the demo accounts and leaves every other account alone', async () => {
    const count = async (account: string) =>
      toNumber((await db.sql<{ c: string }>('SELECT count() c FROM ddos.net_samples WHERE AccountID = {a:String}', { a: account }))[0]!.c);
    const acmeBefore = await count('acme');
    expect(await count('oddities')).toBe(3);
    await seedDemo(db.target, { seed: 11, scale: 0.03, days: 30, toMs: TO_MS });
    expect(await count('oddities')).toBe(3);
    expect(await count('acme')).toBe(acmeBefore);
    const [rollup] = await db.sql<{ p: string }>("SELECT sum(Packets) p FROM ddos.net_1m WHERE AccountID = 'acme'");
    const [raw] = await db.sql<{ p: string }>("SELECT sum(SampleInterval) p FROM ddos.net_samples WHERE AccountID = 'acme'");
    expect(toNumber(rollup!.p)).toBe(toNumber(raw!.p));
    // Every rollup is emptied with the raw rows, not only the minute ones (the signature rollups once doubled).
    for (const table of ['net_sig_1h', 'net_sig_1d', 'net_src_1h']) {
      const [r] = await db.sql<{ p: string }>(`SELECT sum(Packets) p FROM ddos.${table} WHERE AccountID = 'acme'${table === 'net_src_1h' ? " AND Dimension = 'asn'" : ''}`);
      expect(toNumber(r!.p), table).toBe(toNumber(raw!.p));
    }
    const [l7] = await db.sql<{ e: string; s: string }>(
      "SELECT (SELECT sum(SampleInterval) FROM ddos.l7_events WHERE AccountID = 'acme') e, (SELECT sum(Events) FROM ddos.l7_sig_1d WHERE AccountID = 'acme' AND Dimension = 'all') s");
    expect(toNumber(l7!.s)).toBe(toNumber(l7!.e));
  });
});

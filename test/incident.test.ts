/**
 * The incident report of one attack (`generate --attack`) and the attack listing (`attacks`): every figure is
 * checked against SQL written from the domain definitions over the raw tables (Σ SampleInterval,
 * Σ SampleInterval × IPTotalLength, one-minute buckets), not against the rollups the report reads. The data
 * directory is served (as the worker serves it) so that the CLI runs on the same seeded store as this file.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { connect, toNumber, type ClickHouseTarget } from '../src/clickhouse/client.js';
import { migrate } from '../src/clickhouse/migrate.js';
import { LocalServer } from '../src/clickhouse/local-server.js';
import { toClickHouseTime } from '../src/clickhouse/time.js';
import { seedDemo } from '../src/seed/run.js';
import { listAttacks, UnknownAttack, type ListedAttack } from '../src/report/attacks.js';
import { attackPaddingMs, buildIncidentReport } from '../src/report/incident.js';
import { renderHtml } from '../src/render/html.js';
import type { ReportModel } from '../src/report/model.js';
import { UsageError } from '../src/errors.js';
import { formatBps } from '../src/util/format.js';
import { ordinal } from '../src/analysis/attack-history.js';
import { PACKAGE_ROOT, SCHEMAS_DIR } from '../src/util/paths.js';
import { pdfText } from './helpers/pdf.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');
const TO_MS = Date.parse('2026-11-20T00:00:00Z');
const DAY = 86_400_000;
/** An attack id written by an attacker: listed (escaped) but never accepted as --attack. */
/** Table cells and sentences wrap anywhere in print; compare text with whitespace removed. */
const flat = (s: string) => s.replace(/\s+/g, '');
const HOSTILE_ID = '<img src=http://127.0.0.1:9/x onerror=alert(1)>';

let dir: string;
let out: string;
let server: LocalServer;
let target: ClickHouseTarget;
let l34: ListedAttack;
let l7: ListedAttack;
let model: ReportModel;

const sql = async <T = Record<string, string>>(query: string, params: Record<string, unknown> = {}) =>
  (await target.client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ATTACK_REPORT_DATA_DIR: dir, CLICKHOUSE_URL: '' }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-incident-'));
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-incident-out-'));
  server = await LocalServer.start({ dataDir: dir });
  target = await connect({ env: {}, dataDir: dir });
  await migrate(target);
  await seedDemo(target, { seed: 11, scale: 0.02, days: 30, historyDays: 30, toMs: TO_MS });
  const listing = await listAttacks(target, { accountId: 'acme', fromMs: TO_MS - 30 * DAY, toMs: TO_MS });
  // The newest attack of each layer: the most earlier attacks to be compared with.
  l34 = listing.attacks.find((a) => a.layer === 'L3/4')!;
  l7 = listing.attacks.find((a) => a.layer === 'L7')!;
  // A second attack, with an attacker's id, inside the L3/4 attack: a concurrent attack the report must name, escaped.
  const minute = Date.parse(l34.start) + 5 * 60_000;
  await target.client.insert({
    table: 'ddos.net_samples',
    format: 'JSONEachRow',
    values: [0, 1, 2].map((i) => ({
      AccountID: 'acme', ZoneID: '', Datetime: toClickHouseTime(minute + i * 60_000), SampleInterval: 1000, AttackID: HOSTILE_ID,
      AttackVector: 'UDP Flood', Outcome: 'drop', IPProtocol: 17, IPProtocolName: 'udp', IPTotalLength: 512,
      IPDestinationAddress: '::ffff:203.0.113.99', DestinationPort: 80,
    })),
  });
  model = await buildIncidentReport(target, { accountId: 'acme', attackId: l34.id, tz: 'Europe/Lisbon' });
});

afterAll(async () => {
  await target?.client.close().catch(() => undefined);
  await server?.stop();
  for (const d of [dir, out]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

/** The attack's own figures from raw samples: span, volume, dropped, one-minute peaks, vectors. */
async function rawL34Attack(id: string) {
  const [r] = await sql(
    `SELECT toUnixTimestamp(min(m)) s, toUnixTimestamp(max(m)) + 60 e, sum(p) packets, sum(b) bytes, sum(dp) droppedPackets, sum(dbytes) droppedBytes,
            max(p) / 60 pps, max(b) * 8 / 60 bps, toUnixTimestamp(argMin(m, (-toInt64(p), m))) peakMinute,
            arraySort(groupUniqArrayArray(vs)) vectors
     FROM (SELECT toStartOfMinute(Datetime) m, sum(SampleInterval) p, sum(toUInt64(SampleInterval) * IPTotalLength) b,
                  sumIf(SampleInterval, Outcome = 'drop') dp, sumIf(toUInt64(SampleInterval) * IPTotalLength, Outcome = 'drop') dbytes,
                  groupUniqArrayIf(AttackVector, AttackVector != '') vs
           FROM ddos.net_samples WHERE AccountID = 'acme' AND AttackID = {id:String} GROUP BY m)`, { id });
  return r as unknown as Record<string, string | string[]>;
}

describe('incident report numbers equal independent SQL on the raw tables', () => {
  it('the attack: span, duration, vectors, volume, dropped, peaks, and the padded window around it', async () => {
    const raw = await rawL34Attack(l34.id);
    const a = model.incident!.attack;
    expect(a.id).toBe(l34.id);
    expect(a.start).toBe(new Date(toNumber(raw.s) * 1000).toISOString());
    expect(a.end).toBe(new Date(toNumber(raw.e) * 1000).toISOString());
    expect(a.durationSeconds).toBe(toNumber(raw.e) - toNumber(raw.s));
    expect(a.vectors).toEqual(raw.vectors);
    expect([a.packets, a.bytes, a.droppedPackets, a.droppedBytes]).toEqual([raw.packets, raw.bytes, raw.droppedPackets, raw.droppedBytes].map(toNumber));
    expect(a.peakPps).toBeCloseTo(toNumber(raw.pps), 6);
    expect(a.peakBps).toBeCloseTo(toNumber(raw.bps), 3);
    expect(a.peakAt).toBe(new Date(toNumber(raw.peakMinute) * 1000).toISOString());
    // What got through: the attack's packets and bytes that were not dropped.
    expect(model.incident!.passed).toMatchObject({ packets: toNumber(raw.packets) - toNumber(raw.droppedPackets), bytes: toNumber(raw.bytes) - toNumber(raw.droppedBytes) });
    // The window: the attack padded on both sides (the data runs on for days after it), at one-minute resolution.
    const pad = attackPaddingMs(a.durationSeconds * 1000);
    expect(pad).toBeGreaterThanOrEqual(10 * 60_000);
    expect(model.window.from).toBe(new Date(toNumber(raw.s) * 1000 - pad).toISOString());
    expect(model.window.to).toBe(new Date(toNumber(raw.e) * 1000 + pad).toISOString());
    expect(model.timeline.bucketSeconds).toBe(60);
    expect(model.incident!.dataEndsWithAttack).toBe(false);
  });

  it('the window: totals and the per-minute timeline of each vector', async () => {
    const params = { from: toClickHouseTime(Date.parse(model.window.from)), to: toClickHouseTime(Date.parse(model.window.to)) };
    const where = "AccountID = 'acme' AND Datetime >= {from:DateTime64(3)} AND Datetime < {to:DateTime64(3)}";
    const [t] = await sql(`SELECT sum(SampleInterval) p, sum(toUInt64(SampleInterval) * IPTotalLength) b, sumIf(SampleInterval, AttackVector != '') ap
                           FROM ddos.net_samples WHERE ${where}`, params);
    expect(model.totals.l34).toMatchObject({ packets: toNumber(t!.p), bytes: toNumber(t!.b), attackPackets: toNumber(t!.ap) });
    const minutes = await sql(`SELECT toUnixTimestamp(toStartOfMinute(Datetime)) t, AttackVector v, sum(toUInt64(SampleInterval) * IPTotalLength) * 8 / 60 bps
                               FROM ddos.net_samples WHERE ${where} GROUP BY t, v ORDER BY t, v`, params);
    expect(minutes.length).toBeGreaterThanOrEqual(l34.durationSeconds / 60);
    expect(model.timeline.l34.map((p) => [p.t, p.vector])).toEqual(minutes.map((r) => [new Date(toNumber(r.t) * 1000).toISOString(), r.v]));
    model.timeline.l34.forEach((p, i) => expect(p.peakBps).toBeCloseTo(toNumber(minutes[i]!.bps), 3));
  });

  it('an L7 attack: requests, mitigated requests and the one-minute peak', async () => {
    const m7 = await buildIncidentReport(target, { accountId: 'acme', attackId: l7.id, tz: 'UTC' });
    const [raw] = await sql(
      `SELECT toUnixTimestamp(min(m)) s, toUnixTimestamp(max(m)) + 60 e, sum(ev) events, sum(mit) mitigated, max(ev) / 60 rps FROM (
         SELECT toStartOfMinute(Datetime) m, sum(SampleInterval) ev, sumIf(SampleInterval, Action NOT IN ('log', 'allow', 'skip', '')) mit
         FROM ddos.l7_events WHERE AccountID = 'acme' AND AttackID = {id:String} GROUP BY m)`, { id: l7.id });
    const a = m7.incident!.attack;
    expect(a.layer).toBe('L7');
    expect([a.events, a.mitigatedEvents, a.durationSeconds]).toEqual([toNumber(raw!.events), toNumber(raw!.mitigated), toNumber(raw!.e) - toNumber(raw!.s)]);
    expect(a.peakRps).toBeCloseTo(toNumber(raw!.rps), 6);
    expect(m7.incident!.history.measure).toBe('rps');
    expect(m7.incident!.passed?.events ?? 0).toBe(toNumber(raw!.events) - toNumber(raw!.mitigated));
  });

  it('the comparison with earlier attacks: count, rank and median of the peak, the largest, the previous attack, new vectors', async () => {
    const h = model.incident!.history;
    const start = Date.parse(l34.start);
    const params = { from: toClickHouseTime(start - 90 * DAY), to: toClickHouseTime(Date.parse(model.incident!.attack.end)), start: toClickHouseTime(start), id: l34.id };
    // Every attack of the account with samples in the lookback, its first minute and its peak one-minute bit rate.
    const attacks = await sql(
      `SELECT layer, id, toUnixTimestamp(min(m)) s, max(b) * 8 / 60 bps, arraySort(groupUniqArrayArray(vs)) vectors FROM (
         SELECT 'L3/4' layer, AttackID id, toStartOfMinute(Datetime) m, sum(toUInt64(SampleInterval) * IPTotalLength) b, groupUniqArrayIf(AttackVector, AttackVector != '') vs
         FROM ddos.net_samples WHERE AccountID = 'acme' AND AttackID != '' AND Datetime >= {from:DateTime64(3)} AND Datetime < {to:DateTime64(3)} GROUP BY id, m
         UNION ALL
         SELECT 'L7', AttackID, toStartOfMinute(Datetime), 0, groupUniqArrayIf(AttackVector, AttackVector != '')
         FROM ddos.l7_events WHERE AccountID = 'acme' AND AttackID != '' AND Datetime >= {from:DateTime64(3)} AND Datetime < {to:DateTime64(3)} GROUP BY AttackID, toStartOfMinute(Datetime))
       GROUP BY layer, id HAVING s < toUnixTimestamp({start:DateTime64(3)}) AND id != {id:String} ORDER BY s DESC, id`, params);
    const same = attacks.filter((r) => r.layer === 'L3/4');
    expect(same.length).toBeGreaterThan(5);
    expect(h.earlier).toBe(same.length);
    expect(h.earlierOtherLayer).toBe(attacks.length - same.length);
    const peaks = same.map((r) => toNumber(r.bps)).sort((x, y) => x - y);
    expect(h.peak.rank).toBe(1 + peaks.filter((p) => p > model.incident!.attack.peakBps).length);
    expect(h.peak.outOf).toBe(same.length + 1);
    const mid = peaks.length >> 1;
    expect(h.peak.median).toBeCloseTo(peaks.length % 2 ? peaks[mid]! : (peaks[mid - 1]! + peaks[mid]!) / 2, 3);
    expect(h.peak.largest?.peakBps).toBeCloseTo(peaks.at(-1)!, 3);
    expect(h.previous?.id).toBe(attacks[0]!.id);
    const seen = new Set(attacks.flatMap((r) => r.vectors as unknown as string[]));
    expect(h.newVectors).toEqual(model.incident!.attack.vectors.filter((v) => !seen.has(v)));
    expect(h.from).toBe(new Date(start - 90 * DAY).toISOString());
  });

  it('names the attack with the attacker-written id that ran inside the window, escaped, and the model validates against the schema', async () => {
    expect(model.incident!.concurrent.map((c) => c.id)).toEqual([HOSTILE_ID]);
    const { html } = await renderHtml(model);
    expect(html).not.toContain('<img src=http');
    expect(html).toContain('&lt;img src&#x3D;http');
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR, 'report.schema.json'), 'utf8')));
    const json = JSON.parse(JSON.stringify(model));
    expect(validate(json), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(validate({ ...json, incident: { ...json.incident, surprise: 1 } })).toBe(false);
  });
});

describe('refusals: an incident report is never produced for an id the account does not have', () => {
  it.each([
    ['an unknown id', 'acme', 'no-such-attack', []],
    ["another account's id", 'globex', 'ACME_L34', []],
    ['an account-level L3/4 attack asked for within a zone', 'acme', 'ACME_L34', ['acme-shop']],
  ])('%s', async (_what, accountId, id, zoneIds) => {
    const attackId = id === 'ACME_L34' ? l34.id : id;
    const err = await buildIncidentReport(target, { accountId, attackId, tz: 'UTC', zoneIds }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownAttack);
    expect((err as Error).message).toContain(`attack "${attackId}" is not in the telemetry of account "${accountId}"`);
    expect((err as Error).message).toContain(`attack-report attacks --account ${accountId}`);
  });

  it('a malformed id or account is a usage error naming it', async () => {
    await expect(buildIncidentReport(target, { accountId: 'acme', attackId: HOSTILE_ID, tz: 'UTC' })).rejects.toThrow(UsageError);
    await expect(buildIncidentReport(target, { accountId: 'acme', attackId: 'x'.repeat(129), tz: 'UTC' })).rejects.toThrow(/129 characters long/);
    await expect(buildIncidentReport(target, { accountId: "acme' OR 1", attackId: l34.id, tz: 'UTC' })).rejects.toThrow(/not a valid tenant id/);
    await expect(buildIncidentReport(target, { accountId: 'acme', attackId: l34.id, tz: 'Mars/Base' })).rejects.toThrow(/not an IANA time zone/);
  });
});

describe('the attack listing equals independent SQL', () => {
  it('every attack active in the window, the newest first, with span, vectors and peaks; limit keeps the newest', async () => {
    const fromMs = TO_MS - 20 * DAY;
    const listing = await listAttacks(target, { accountId: 'acme', fromMs, toMs: TO_MS });
    const params = { from: toClickHouseTime(fromMs), to: toClickHouseTime(TO_MS) };
    const where = "AccountID = 'acme' AND AttackID != '' AND Datetime >= {from:DateTime64(3)} AND Datetime < {to:DateTime64(3)}";
    const raw = await sql(
      `SELECT layer, id, toUnixTimestamp(min(m)) s, toUnixTimestamp(max(m)) + 60 e, max(v) / 60 peak, max(b) * 8 / 60 bps FROM (
         SELECT 'L3/4' layer, AttackID id, toStartOfMinute(Datetime) m, sum(SampleInterval) v, sum(toUInt64(SampleInterval) * IPTotalLength) b
         FROM ddos.net_samples WHERE ${where} GROUP BY id, m
         UNION ALL
         SELECT 'L7', AttackID, toStartOfMinute(Datetime), sum(SampleInterval), 0 FROM ddos.l7_events WHERE ${where} GROUP BY AttackID, toStartOfMinute(Datetime))
       GROUP BY layer, id ORDER BY s DESC, layer, id`, params);
    expect(raw.length).toBeGreaterThan(10);
    expect(listing.total).toBe(raw.length);
    expect(listing.attacks.map((a) => [a.layer, a.id, a.start, a.end])).toEqual(
      raw.map((r) => [r.layer, r.id, new Date(toNumber(r.s) * 1000).toISOString(), new Date(toNumber(r.e) * 1000).toISOString()]),
    );
    listing.attacks.forEach((a, i) => {
      expect(a.layer === 'L7' ? a.peakRps : a.peakPps).toBeCloseTo(toNumber(raw[i]!.peak), 6);
      expect(a.peakBps).toBeCloseTo(toNumber(raw[i]!.bps), 3);
    });
    expect(listing.attacks.find((a) => a.id === HOSTILE_ID)?.reportable).toBe(false);
    const newest = await listAttacks(target, { accountId: 'acme', fromMs, toMs: TO_MS, limit: 3 });
    expect(newest.attacks.map((a) => a.id)).toEqual(listing.attacks.slice(0, 3).map((a) => a.id));
    expect(newest.total).toBe(listing.total);
    await expect(listAttacks(target, { accountId: 'acme', fromMs, toMs: TO_MS, limit: 0 })).rejects.toThrow(/limit 0 must be a whole number/);
  });
});

describe('CLI: attacks and generate --attack', () => {
  it('attacks --json lists what listAttacks returns; --limit says on stderr how many were left out; the table escapes ids', async () => {
    const fromMs = TO_MS - 10 * DAY;
    const args = ['attacks', '--account', 'acme', '--from', new Date(fromMs).toISOString(), '--to', new Date(TO_MS).toISOString()];
    const [json, table] = [await cli([...args, '--json', '--limit', '2']), await cli(args)];
    expect(json.code, json.stderr).toBe(0);
    const listing = await listAttacks(target, { accountId: 'acme', fromMs, toMs: TO_MS, limit: 2 });
    expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(listing.attacks);
    expect(json.stderr).toContain(`showing the newest 2 of ${listing.total} attacks (--limit 2)`);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^ATTACK ID\s+LAYER\s+START\s+DURATION\s+VECTORS\s+PEAK\n/);
    expect(table.stdout).toContain(`${l34.id} `);
    expect(table.stdout).toContain(`${HOSTILE_ID} *`);
    expect(table.stderr).toContain('no incident report can be asked for it');
  });

  it('generate --attack writes the incident report: the PDF names the attack, its figures and its comparison with earlier attacks', async () => {
    const r = await cli(['generate', '--account', 'acme', '--attack', l34.id, '--tz', 'Europe/Lisbon', '--format', 'pdf,json', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const [pdfFile, jsonFile] = r.stdout.trim().split('\n');
    expect(path.basename(pdfFile!)).toMatch(new RegExp(`^incident-report_acme_${l34.id}_\\d{4}-\\d\\d-\\d\\dT\\d{4}\\.pdf$`));
    const json = JSON.parse(fs.readFileSync(jsonFile!, 'utf8')) as ReportModel;
    expect(json.incident!.attack).toEqual(model.incident!.attack);
    const { pages, info } = await pdfText(fs.readFileSync(pdfFile!));
    // Lines wrap anywhere (ids break at their hyphens): compare text with whitespace removed.
    const text = flat(pages.join('\n'));
    const h = json.incident!.history;
    for (const expected of [
      `Attack ${l34.id}`, '1. The attack', '2. Compared with earlier attacks', formatBps(json.incident!.attack.peakBps),
      h.peak.rank === 1 ? "is the largest of the account's network-layer (L3/4) attacks in the 90 days before it" : `ranks ${ordinal(h.peak.rank)} of the account's`,
      `of ${h.peak.outOf} L3/4 attacks`, `The attack before it (${h.previous!.id}`, ...json.incident!.sentences.slice(0, 2),
    ]) expect(text).toContain(flat(expected));
    expect(String(info.Title)).toContain(`attack ${l34.id}`);
  });

  it.each([
    [['--last', '7d'], /--attack cannot be combined with --last: an incident report's window is the attack's own/],
    [['--from', '2026-11-01', '--to', '2026-11-02', '--allow-empty'], /--attack cannot be combined with --from, --to, --allow-empty/],
  ])('generate --attack with %j exits 2 naming the conflict', async (extra, message) => {
    const r = await cli(['generate', '--account', 'acme', '--attack', 'any-id', ...extra, '--format', 'json', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("an unknown id, or another account's, exits 2 naming it and pointing to the listing; nothing is written", async () => {
    const before = fs.readdirSync(out);
    for (const [account, id] of [['acme', 'no-such-attack'], ['globex', l34.id]] as const) {
      const r = await cli(['generate', '--account', account, '--attack', id, '--format', 'json', '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`attack "${id}" is not in the telemetry of account "${account}"`);
      expect(r.stderr).toContain(`\`attack-report attacks --account ${account}\``);
      expect(r.stdout).toBe('');
    }
    const hostile = await cli(['generate', '--account', 'acme', '--attack', HOSTILE_ID, '--format', 'json', '--out', out]);
    expect(hostile.code).toBe(2);
    expect(hostile.stderr).toContain('is not a valid attack id');
    expect(fs.readdirSync(out)).toEqual(before);
  });
});

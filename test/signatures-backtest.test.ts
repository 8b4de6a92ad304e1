import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, toNumber, type TestDb } from './helpers/db.js';
import { seedDemo } from '../src/seed/run.js';
import { buildReport } from '../src/report/build.js';
import { rollupBounds, toClickHouseTime } from '../src/clickhouse/time.js';
import { resolveWindow } from '../src/report/window.js';
import { backtestNetRules, backtestScopedNetRules } from '../src/report/net-analysis.js';
import { backtestL7Rules } from '../src/report/l7-analysis.js';
import type { NetRule } from '../src/analysis/net-rules.js';
import type { L7Rule } from '../src/analysis/l7-rules.js';
import type { ReportModel } from '../src/report/model.js';

// Backtests and signatures read rollups; every figure here is recounted from the raw tables with SQL written from
// the rule's meaning (Σ SampleInterval over the rows the rule matches), so a wrong bucket, class or edge shows up.
let db: TestDb;
let model: ReportModel;
let params: Record<string, unknown>;
const TO_MS = Date.parse('2026-11-20T00:00:00Z');
const RAW = 'AccountID = {a:String} AND Datetime >= {from:DateTime64(3)} AND Datetime < {to:DateTime64(3)}';

beforeAll(async () => {
  db = await openTestDb();
  await seedDemo(db.target, { seed: 5, scale: 0.03, days: 30, toMs: TO_MS });
  // Edges of 43 and 37 minutes: the daily rollup, the hourly rollup (the 23 whole hours of each partial day) and the
  // raw view each serve part of every query.
  const window = resolveWindow({
    from: new Date(TO_MS - 30 * 86_400_000 + 43 * 60_000).toISOString(), to: new Date(TO_MS - 37 * 60_000).toISOString(), tz: 'UTC',
  });
  params = { account: 'acme', zones: [], from: toClickHouseTime(window.fromMs), to: toClickHouseTime(window.toMs), ...rollupBounds(window.fromMs, window.toMs) };
  model = await buildReport(db.target, { accountId: 'acme', zoneIds: [], window, maxCollateralShare: 0.001 });
}, 120_000);

afterAll(async () => db?.close());

const rawParams = () => ({ a: 'acme', from: params.from, to: params.to });

/** The rule as a WHERE clause on net_samples' own columns, written independently of the cube's classes. */
function netWhere(r: NetRule): string {
  const c = [`IPProtocol = ${r.protocol}`];
  if (r.sourcePorts.length) c.push(`SourcePort IN (${r.sourcePorts.join(',')})`);
  if (r.destinationPorts.length) c.push(`DestinationPort IN (${r.destinationPorts.join(',')})`);
  if (r.excludedDestinationPorts.length) c.push(`DestinationPort NOT IN (${r.excludedDestinationPorts.join(',')})`);
  if (r.tcpFlags !== null) c.push(`TCPFlags = ${r.tcpFlags}`);
  if (r.length) c.push(`IPTotalLength BETWEEN ${r.length[0]} AND ${r.length[1]}`);
  if (r.ttl) c.push(`IPTTL BETWEEN ${r.ttl[0]} AND ${r.ttl[1]}`);
  return c.join(' AND ');
}

async function netCounts(r: NetRule, and = '') {
  const where = netWhere(r) + and;
  const [row] = await db.sql<Record<string, string>>(
    `SELECT sumIf(SampleInterval, AttackVector = {v:String} AND ${where}) t, sumIf(SampleInterval, AttackVector = {v:String}) tt,
            sumIf(SampleInterval, AttackVector != '' AND ${where}) a, sumIf(SampleInterval, AttackVector != '' AND Outcome = 'pass' AND ${where}) p,
            sumIf(SampleInterval, AttackVector = '' AND ${where}) b, sumIf(SampleInterval, AttackVector = '') bt
     FROM ddos.net_samples WHERE ${RAW}`, { ...rawParams(), v: r.vector });
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, toNumber(v)]));
}

const PROTOCOLS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, gre: 47, esp: 50 };
const column: Record<string, string> = { srcport: 'SourcePort', dstport: 'DestinationPort', 'ip.len': 'IPTotalLength', 'ip.ttl': 'IPTTL', 'tcp.flags': 'TCPFlags' };
/** A printed Magic Firewall expression read clause by clause into SQL on net_samples. */
const toSqlOf = (expression: string): string => expression.split(' and ').map((clause) => {
  let m = /^ip\.proto eq "(\w+)"$/.exec(clause);
  if (m) return `IPProtocol = ${PROTOCOLS[m[1]!]}`;
  m = /^(not )?(?:tcp|udp)\.(srcport|dstport) (?:eq (\d+)|in \{([\d ]+)\})$/.exec(clause);
  if (m) return `${column[m[2]!]} ${m[1] ? 'NOT ' : ''}IN (${(m[3] ?? m[4]!).split(' ').join(',')})`;
  // Destinations: IPv4 written as dotted quads (stored IPv4-mapped), one address or a CIDR network each.
  m = /^ip\.dst in \{([^}]+)\}$/.exec(clause);
  if (m) {
    return `(${m[1]!.split(' ').map((n) => (n.includes(':')
      ? `isIPAddressInRange(IPv6NumToString(IPDestinationAddress), '${n.includes('/') ? n : `${n}/128`}')`
      : `(startsWith(IPv6NumToString(IPDestinationAddress), '::ffff:') AND isIPAddressInRange(substring(IPv6NumToString(IPDestinationAddress), 8), '${n.includes('/') ? n : `${n}/32`}'))`)).join(' OR ')})`;
  }
  m = /^(ip\.len|ip\.ttl|tcp\.flags) (eq|ge|le) (\d+)$/.exec(clause);
  if (m) return `${column[m[1]!]} ${{ eq: '=', ge: '>=', le: '<=' }[m[2]!]} ${m[3]}`;
  throw new Error(`clause not understood: ${clause}`);
}).join(' AND ');

describe('L3/4 rule backtests equal independent SQL counts on net_samples', () => {
  const rules: NetRule[] = [
    { vector: 'NTP Amplification', protocol: 17, sourcePorts: [123], destinationPorts: [], excludedDestinationPorts: [], tcpFlags: null, length: [450, 499], ttl: [48, 63] },
    { vector: 'UDP Flood', protocol: 17, sourcePorts: [], destinationPorts: [], excludedDestinationPorts: [443], tcpFlags: null, length: [500, 1399], ttl: null },
    { vector: 'SYN Flood', protocol: 6, sourcePorts: [], destinationPorts: [80, 443], excludedDestinationPorts: [], tcpFlags: 2, length: [50, 99], ttl: [48, 127] },
    { vector: 'SSDP Amplification', protocol: 17, sourcePorts: [1900], destinationPorts: [], excludedDestinationPorts: [], tcpFlags: null, length: null, ttl: null },
    { vector: 'GRE Flood', protocol: 47, sourcePorts: [], destinationPorts: [], excludedDestinationPorts: [], tcpFlags: null, length: null, ttl: [0, 95] },
  ];

  it('for hand-written rules covering every condition kind', async () => {
    const results = await backtestNetRules(db.target, params, rules);
    for (const [i, rule] of rules.entries()) {
      const raw = await netCounts(rule);
      expect(raw.tt, rule.vector).toBeGreaterThan(0);
      expect(results[i]!.attackMatched, rule.vector).toBe(raw.a);
      expect(results[i]!.collateralMatched, rule.vector).toBe(raw.b);
      expect(results[i]!.passedAttackStopped, rule.vector).toBe(raw.p);
      expect(results[i]!.attackShare, rule.vector).toBeCloseTo(raw.t! / raw.tt!, 12);
      expect(results[i]!.collateralShare, rule.vector).toBeCloseTo(raw.b! / raw.bt!, 12);
    }
    // The SYN rule must really catch legitimate SYNs, or this test could not tell a wrong collateral from zero.
    expect(results[2]!.collateralMatched).toBeGreaterThan(0);
  });

  it('for hand-written rules scoped to addresses and networks, on the raw rows', async () => {
    const [syn] = await db.sql<{ d: string[] }>(
      `SELECT arraySort(groupUniqArray(replaceOne(IPv6NumToString(IPDestinationAddress), '::ffff:', ''))) d FROM ddos.net_samples
       WHERE ${RAW} AND AttackVector = 'SYN Flood'`, rawParams());
    expect(syn!.d.length).toBeGreaterThan(0);
    const scope = (networks: string[]) => ({ networks, addresses: 0, prefixes: 0 });
    const scoped: NetRule[] = [
      ...rules,
      { ...rules[2]!, scope: scope(syn!.d) },
      { ...rules[2]!, scope: scope([syn!.d[0]!]) },
      { ...rules[1]!, scope: scope(['203.0.113.0/24', '2001:db8::/64']) },
      { ...rules[4]!, scope: scope(['198.51.100.7']) },
    ];
    const results = await backtestScopedNetRules(db.target, params, scoped);
    for (const [i, rule] of scoped.entries()) {
      const raw = await netCounts(rule, rule.scope ? ` AND ${toSqlOf(`ip.dst in {${rule.scope.networks.join(' ')}}`)}` : '');
      const label = `${rule.vector} ${rule.scope?.networks.join(' ') ?? ''}`;
      expect(results[i]!.attackMatched, label).toBe(raw.a);
      expect(results[i]!.collateralMatched, label).toBe(raw.b);
      expect(results[i]!.passedAttackStopped, label).toBe(raw.p);
      expect(results[i]!.attackShare, label).toBeCloseTo(raw.t! / raw.tt!, 12);
      expect(results[i]!.collateralShare, label).toBeCloseTo(raw.b! / raw.bt!, 12);
    }
    // Scoped to its attacked hosts, the SYN rule keeps all its attack but spares legitimate SYNs to other hosts;
    // to one host only, it loses attack too.
    const n = rules.length;
    expect(results[n]!.attackShare).toBe(results[2]!.attackShare);
    expect(results[n]!.collateralMatched).toBeLessThan(results[2]!.collateralMatched);
    expect(results[n + 1]!.attackMatched).toBeLessThanOrEqual(results[n]!.attackMatched);
    expect(results[n + 3]!.attackMatched).toBe(0);
  });

  it('for the rules the report recommends, which stay within the bound', async () => {
    const net = model.recommendations.filter((r) => r.layer === 'L3/4');
    expect(net.length).toBeGreaterThanOrEqual(4);
    for (const rec of net) {
      expect(rec.backtest.collateralShare).toBeLessThanOrEqual(model.rulePolicy.maxCollateralShare);
      expect(rec.backtest.attackShare).toBeGreaterThanOrEqual(0.5);
      const [row] = await db.sql<Record<string, string>>(
        `SELECT sumIf(SampleInterval, AttackVector = '') bt FROM ddos.net_samples WHERE ${RAW}`, rawParams());
      expect(rec.backtest.collateralShare).toBeCloseTo(rec.backtest.collateralMatched / toNumber(row!.bt), 12);
    }
    const ntp = net.find((r) => r.vectors.includes('NTP Amplification'))!;
    expect(ntp.expression).toContain('udp.srcport eq 123');
    expect(ntp.equivalents.map((e) => e.kind)).toEqual(['nftables', 'iptables']);
    expect(ntp.equivalents[1]!.expression).toContain('--sport 123');
  });

  it('for every rule the report recommends, counted from its printed Magic Firewall text alone', async () => {
    // The printed expression, read clause by clause into SQL on net_samples: what the reader deploys is what was
    // counted, bounds left out included (a dropped `ge 0` must not change a figure).
    const toSql = toSqlOf;
    const net = model.recommendations.filter((r) => r.layer === 'L3/4');
    expect(net.length).toBeGreaterThanOrEqual(3);
    for (const rec of net) {
      expect(rec.expression).not.toMatch(/\bge 0\b|\ble 255\b|\ble 65535\b/);
      const where = toSql(rec.expression);
      const [row] = await db.sql<Record<string, string>>(
        `SELECT sumIf(SampleInterval, AttackVector != '' AND ${where}) a, sumIf(SampleInterval, AttackVector = '' AND ${where}) b,
                sumIf(SampleInterval, AttackVector != '' AND Outcome = 'pass' AND ${where}) p
         FROM ddos.net_samples WHERE ${RAW}`, rawParams());
      expect(rec.backtest.attackMatched, rec.expression).toBe(toNumber(row!.a));
      expect(rec.backtest.collateralMatched, rec.expression).toBe(toNumber(row!.b));
      expect(rec.backtest.passedAttackStopped, rec.expression).toBe(toNumber(row!.p));
    }
  });

  it('every recommended rule is scoped to the destinations its vectors\' attack traffic went to, with exact figures from net_samples', async () => {
    const net = model.recommendations.filter((r) => r.layer === 'L3/4');
    expect(net.length).toBeGreaterThanOrEqual(3);
    for (const rec of net) {
      const [dst] = await db.sql<{ d: string[] }>(
        `SELECT arraySort(groupUniqArray(replaceOne(IPv6NumToString(IPDestinationAddress), '::ffff:', ''))) d FROM ddos.net_samples
         WHERE ${RAW} AND AttackVector IN {vs:Array(String)}`, { ...rawParams(), vs: rec.vectors });
      // Demo attacks hit a few hosts each: the scope lists them one by one.
      expect(dst!.d.length, rec.expression).toBeLessThanOrEqual(8);
      expect(rec.scope, rec.expression).toEqual({ networks: dst!.d, addresses: dst!.d.length, prefixes: expect.any(Number) });
      expect(rec.expression).toContain(`ip.dst in {${dst!.d.join(' ')}}`);
      expect(rec.equivalents[0]!.expression).toContain(`ip daddr ${dst!.d.length === 1 ? dst!.d[0] : `{ ${dst!.d.join(', ')} }`}`);
      expect(rec.equivalents[1]!.expression).toContain(` -d ${dst!.d.join(',')} `);
      expect(rec.alsoStops).not.toMatch(/every address behind the firewall/);
      // The rule's conditions, from its text, without the destinations; the destinations from the raw rows.
      const conditions = rec.expression.replace(/ and ip\.dst in \{[^}]+\}/, '');
      expect(conditions).not.toContain('ip.dst');
      const where = `${toSqlOf(conditions)} AND IPDestinationAddress IN (SELECT IPDestinationAddress FROM ddos.net_samples WHERE ${RAW} AND AttackVector IN {vs:Array(String)})`;
      const [row] = await db.sql<Record<string, string>>(
        `SELECT sumIf(SampleInterval, AttackVector != '' AND ${where}) a, sumIf(SampleInterval, AttackVector = '' AND ${where}) b,
                sumIf(SampleInterval, AttackVector != '' AND Outcome = 'pass' AND ${where}) p, sumIf(SampleInterval, AttackVector = '') bt,
                (SELECT min(m / n) FROM (SELECT sumIf(SampleInterval, ${where}) m, sum(SampleInterval) n FROM ddos.net_samples
                 WHERE ${RAW} AND AttackVector IN {vs:Array(String)} GROUP BY AttackVector)) t
         FROM ddos.net_samples WHERE ${RAW}`, { ...rawParams(), vs: rec.vectors });
      expect(rec.backtest.attackMatched, rec.expression).toBe(toNumber(row!.a));
      expect(rec.backtest.collateralMatched, rec.expression).toBe(toNumber(row!.b));
      expect(rec.backtest.passedAttackStopped, rec.expression).toBe(toNumber(row!.p));
      expect(rec.backtest.collateralShare, rec.expression).toBeCloseTo(toNumber(row!.b) / toNumber(row!.bt), 12);
      expect(rec.backtest.attackShare, rec.expression).toBeCloseTo(toNumber(row!.t), 12);
    }
  });

  it('never drops ICMP (path-MTU discovery needs it) and warns that a GRE drop stops tunnels too', () => {
    const net = model.recommendations.filter((r) => r.layer === 'L3/4');
    expect(net.some((r) => /ip\.proto eq "icmp"/.test(r.expression))).toBe(false);
    const icmp = model.rulePolicy.rejected.find((r) => r.vector === 'ICMP Flood');
    expect(icmp?.reason).toMatch(/path-MTU discovery.*rate-limit ICMP/);
    // The summary does not blame the collateral bound for it: its reason is path-MTU discovery.
    const summary = model.summary.sentences.join(' ');
    expect(summary).not.toMatch(/No safe static rule exists for [^.]*ICMP Flood[^.]*collateral bound/);
    expect(summary).toMatch(/No static rule is suggested for [^.]*ICMP Flood[^.]*; the suggested rules section says why\./);
    const gre = net.find((r) => r.vectors.includes('GRE Flood'));
    expect(gre, 'a GRE rule').toBeDefined();
    expect(gre!.alsoStops).toMatch(/^every GRE tunnel to the addresses it covers/);
    for (const r of model.recommendations) expect(r.alsoStops.length).toBeGreaterThan(10);
  });

  it('says plainly that no safe rule exists for floods that look like legitimate TCP', () => {
    const syn = model.rulePolicy.rejected.find((r) => r.vector === 'SYN Flood');
    expect(syn).toBeDefined();
    expect(syn!.bestCollateralShare === null || syn!.bestCollateralShare > 0.001).toBe(true);
    expect(model.summary.sentences.join(' ')).toMatch(/No safe static rule exists for [^.]*SYN Flood/);
  });
});

describe('L7 rule backtests equal independent SQL counts on l7_events', () => {
  it('for fingerprint, user-agent, network and path rules', async () => {
    const ja4 = await db.sql<{ v: string }>(`SELECT DISTINCT toString(JA4) v FROM ddos.l7_events WHERE ${RAW} AND AttackVector = 'HTTP Flood' LIMIT 2`, rawParams());
    const ua = await db.sql<{ v: string }>(`SELECT DISTINCT ClientRequestUserAgent v FROM ddos.l7_events WHERE ${RAW} AND AttackVector = 'Login Abuse' ORDER BY v LIMIT 3`, rawParams());
    const rules: L7Rule[] = [
      { vector: 'HTTP Flood', field: 'ja4', values: ja4.map((r) => r.v) },
      { vector: 'Login Abuse', field: 'userAgent', values: ua.map((r) => r.v) },
      { vector: 'Cache Busting', field: 'path', values: ['/', '/catalog'] },
      { vector: 'HTTP Flood', field: 'asn', values: ['4134', '16509'] },
    ];
    const columns: Record<string, string> = { ja4: 'toString(JA4)', userAgent: 'ClientRequestUserAgent', path: 'ClientRequestPath', asn: 'toString(ClientASN)' };
    const results = await backtestL7Rules(db.target, params, rules);
    for (const [i, rule] of rules.entries()) {
      const m = `${columns[rule.field]} IN {vals:Array(String)}`;
      const [row] = await db.sql<Record<string, string>>(
        `SELECT sumIf(SampleInterval, AttackVector = {v:String} AND ${m}) t, sumIf(SampleInterval, AttackVector = {v:String}) tt,
                sumIf(SampleInterval, AttackVector != '' AND ${m}) a, sumIf(SampleInterval, AttackVector != '' AND Action IN ('log', 'allow', 'skip', '') AND ${m}) p,
                sumIf(SampleInterval, AttackVector = '' AND ${m}) b, sumIf(SampleInterval, AttackVector = '') bt
         FROM ddos.l7_events WHERE ${RAW}`, { ...rawParams(), v: rule.vector, vals: rule.values });
      const raw = Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, toNumber(v)]));
      expect(raw.a, rule.field).toBeGreaterThan(0);
      expect(results[i]!.attackMatched, rule.field).toBe(raw.a);
      expect(results[i]!.collateralMatched, rule.field).toBe(raw.b);
      expect(results[i]!.passedAttackStopped, rule.field).toBe(raw.p);
      expect(results[i]!.attackShare, rule.field).toBeCloseTo(raw.t! / raw.tt!, 12);
      expect(results[i]!.collateralShare, rule.field).toBeCloseTo(raw.b! / raw.bt!, 12);
    }
  });

  it('recommends a fingerprint rule for the bot floods, within the bound', () => {
    const l7 = model.recommendations.filter((r) => r.layer === 'L7');
    expect(l7.length).toBeGreaterThan(0);
    for (const rec of l7) {
      expect(rec.kind).toBe('waf-custom-rule');
      expect(rec.backtest.collateralShare).toBeLessThanOrEqual(0.001);
    }
    expect(l7.some((r) => r.vectors.includes('HTTP Flood') && r.expression.startsWith('(cf.bot_management.ja4'))).toBe(true);
  });
});

describe('signatures', () => {
  it('shares per value equal independent SQL, attack and baseline', async () => {
    const sig = model.signatures.items.find((s) => s.scope === 'vector' && s.vector === 'NTP Amplification')!;
    const [row] = await db.sql<Record<string, string>>(
      `SELECT sumIf(SampleInterval, AttackVector = 'NTP Amplification') t, sumIf(SampleInterval, AttackVector = 'NTP Amplification' AND SourcePort = 123) s,
              sumIf(SampleInterval, AttackVector = '') bt, sumIf(SampleInterval, AttackVector = '' AND intDiv(IPTotalLength, 50) = 9) bl
       FROM ddos.net_samples WHERE ${RAW}`, rawParams());
    expect(sig.attackTotal).toBe(toNumber(row!.t));
    expect(sig.baselineTotal).toBe(toNumber(row!.bt));
    const port = sig.dimensions.find((d) => d.dimension === 'sourcePort')!.values[0]!;
    expect(port.value).toBe('123');
    expect(port.attackShare).toBeCloseTo(toNumber(row!.s) / toNumber(row!.t), 12);
    const len = sig.dimensions.find((d) => d.dimension === 'length')!.values.find((v) => v.value === '450')!;
    expect(len.baselineShare).toBeCloseTo(toNumber(row!.bl) / toNumber(row!.bt), 12);
    expect(sig.dimensions.some((d) => d.dimension === 'tcpFlags')).toBe(false);
  });

  it('source concentration: distinct addresses and /24 networks within 3% of exact counts, and claimed-source fields', async () => {
    const rows = await db.sql<Record<string, string>>(
      `SELECT AttackVector v, uniqExact(IPSourceAddress) a, uniqExact(IPv4CIDRToRange(toIPv4(replaceOne(IPv6NumToString(IPSourceAddress), '::ffff:', '')), 24).1) n
       FROM ddos.net_samples WHERE ${RAW} AND AttackVector != '' GROUP BY v`, rawParams());
    expect(rows.length).toBeGreaterThan(3);
    for (const r of rows) {
      const sig = model.signatures.items.find((s) => s.scope === 'vector' && s.layer === 'L3/4' && s.vector === r.v)!;
      expect(sig.sources, r.v).not.toBeNull();
      expect(Math.abs(sig.sources!.addresses / toNumber(r.a) - 1), r.v).toBeLessThan(0.03);
      expect(Math.abs(sig.sources!.networks / toNumber(r.n) - 1), r.v).toBeLessThan(0.03);
    }
    const syn = model.signatures.items.find((s) => s.scope === 'vector' && s.vector === 'SYN Flood')!;
    const [c] = await db.sql<Record<string, string>>(
      `SELECT sumIf(SampleInterval, AttackVector = 'SYN Flood') t, sumIf(SampleInterval, AttackVector = 'SYN Flood' AND ColoCode = {colo:String}) s
       FROM ddos.net_samples WHERE ${RAW}`, { ...rawParams(), colo: syn.dimensions.find((d) => d.dimension === 'colo')!.values[0]!.value });
    expect(syn.dimensions.find((d) => d.dimension === 'colo')!.values[0]!.attackShare).toBeCloseTo(toNumber(c!.s) / toNumber(c!.t), 12);
  });

  it('per provider attack as well as per vector', async () => {
    const attack = model.attacks.find((a) => a.layer === 'L7')!;
    const sig = model.signatures.items.find((s) => s.scope === 'attack' && s.attackId === attack.id)!;
    const [row] = await db.sql<Record<string, string>>(`SELECT sum(SampleInterval) e FROM ddos.l7_events WHERE ${RAW} AND AttackID = {id:String}`, { ...rawParams(), id: attack.id });
    expect(sig.attackTotal).toBe(toNumber(row!.e));
  });

  it('the rollups hold exactly what their raw views define (materialized views and backfills agree)', async () => {
    const keys = 'AccountID, ZoneID, toStartOfHour(Datetime) h, AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket';
    const [net] = await db.sql<{ c: string }>(
      `SELECT count() c FROM (SELECT ${keys}, sum(Packets) p FROM ddos.net_sig_raw GROUP BY ALL) r
       FULL OUTER JOIN (SELECT AccountID, ZoneID, Hour h, AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket, sum(Packets) p FROM ddos.net_sig_1h GROUP BY ALL) c
       USING (AccountID, ZoneID, h, AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket)
       WHERE r.p != c.p`);
    expect(toNumber(net!.c)).toBe(0);
    const [l7] = await db.sql<{ c: string }>(
      `SELECT count() c FROM (SELECT AccountID, ZoneID, toStartOfHour(Datetime) h, AttackVector, AttackID, Passed, Dimension, Value, sum(Events) e FROM ddos.l7_sig_raw GROUP BY ALL) r
       FULL OUTER JOIN (SELECT AccountID, ZoneID, Hour h, AttackVector, AttackID, Passed, Dimension, Value, sum(Events) e FROM ddos.l7_sig_1h GROUP BY ALL) c
       USING (AccountID, ZoneID, h, AttackVector, AttackID, Passed, Dimension, Value)
       WHERE r.e != c.e`);
    expect(toNumber(l7!.c)).toBe(0);
    const [days] = await db.sql<{ c: string }>(
      `SELECT (SELECT sum(Packets) FROM ddos.net_sig_1d) = (SELECT sum(Packets) FROM ddos.net_samples)
          AND (SELECT count() FROM (SELECT Day, AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket, sum(Packets) p FROM ddos.net_sig_1d GROUP BY ALL) d
               FULL OUTER JOIN (SELECT toDate(Hour) Day, AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket, sum(Packets) p FROM ddos.net_sig_1h GROUP BY ALL) h
               USING (Day, AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket) WHERE d.p != h.p) = 0
          AND (SELECT sum(Events) FROM ddos.l7_sig_1d WHERE Dimension = 'all') = (SELECT sum(SampleInterval) FROM ddos.l7_events) AS c`);
    expect(toNumber(days!.c)).toBe(1);
  });
});

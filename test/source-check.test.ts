/**
 * Source definitions (issue 15): the file's rules, reported all at once with lines, and `source check` through
 * the CLI against provider tables created in the embedded engine: a flow collector's table ordered by
 * (tenant, ts), and a Logpush-like table (nanosecond Int64 times, addresses as text) ordered by time only.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../src/clickhouse/client.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';
import { loadSourceDefinition, parseSourceDefinition, SourceDefinitionError } from '../src/source/definition.js';
import { mappableColumns } from '../src/source/native.js';
import { sortKeyWarnings } from '../src/source/check.js';
import { serveForBackend, stopServed } from './helpers/db.js';
import { pdfText } from './helpers/pdf.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');
const EXAMPLES = path.join(PACKAGE_ROOT, 'examples', 'sources');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-source-'));
const dataDir = path.join(work, 'data');

/**
 * Runs the CLI without blocking the test's event loop (a long spawnSync starves vitest's own messages), with the
 * store of this file.
 */
function run(args: string[], timeout: number): Promise<{ code: number | null; out: string; err: string; all: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ATTACK_REPORT_DATA_DIR: dataDir, CLICKHOUSE_URL: '' }, timeout, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, out: stdout, err: stderr, all: `${stdout}${stderr}` });
    });
  });
}

const check = (file: string) => run(['source', 'check', '--source', file], 60_000);

/** A copy of an example with `edit` applied to its text. */
function variant(example: string, name: string, edit: (text: string) => string): string {
  const text = fs.readFileSync(path.join(EXAMPLES, example), 'utf8');
  const edited = edit(text);
  if (edited === text) throw new Error(`the edit for ${name} changed nothing`);
  const file = path.join(work, name);
  fs.writeFileSync(file, edited);
  return file;
}

const T0 = 1_764_000_000; // 2025-11-24 16:00 UTC

beforeAll(async () => {
  await serveForBackend(dataDir);
  const t = await connect({ env: {}, dataDir });
  const run = (query: string) => t.client.command({ query });
  try {
    await run('CREATE DATABASE provider');
    await run(`CREATE TABLE provider.flows (ts UInt32, tenant UInt32, src UInt32, dst UInt32, sport UInt16, dport UInt16, proto UInt8,
      tcp_flags UInt8, bytes UInt64, packets UInt64, sampling_rate UInt32, router String) ENGINE = MergeTree ORDER BY (tenant, ts)`);
    await run(`INSERT INTO provider.flows SELECT ${T0} + number * 60, 1000 + number % 3, 3232235777 + number, 3405803786, 40000 + number, 53, 17, 0,
      1200, 3, 1000, 'fra-r1' FROM numbers(500)`);
    await run(`CREATE TABLE provider.fw_events (Datetime Int64, account String, ZoneID String, RayID String, Source String, Action String, RuleID String,
      ClientIP String, ClientASN UInt32, ClientCountry String, ClientRequestHost String, ClientRequestMethod String, ClientRequestPath String,
      ClientRequestUserAgent String, EdgeResponseStatus UInt16) ENGINE = MergeTree ORDER BY Datetime`);
    await run(`INSERT INTO provider.fw_events SELECT (${T0} + number) * 1000000000, 'acct1', 'zone1', hex(number), 'waf', if(number % 2, 'block', 'log'), 'r1',
      concat('198.51.100.', toString(number % 250)), 64500, 'de', 'shop.example', 'GET', '/login', 'curl/8', 403 FROM numbers(300)`);
  } finally {
    await t.client.close();
  }
}, 120_000);

afterAll(async () => {
  await stopServed();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the definition file', () => {
  it('expands defaults: absent into every raw column, null where not listed', () => {
    const def = loadSourceDefinition(path.join(EXAMPLES, 'flows.yaml'));
    const cols = def.l34!.columns;
    expect(Object.keys(cols)).toEqual(mappableColumns('l34').map((c) => c.name));
    expect(cols.AccountID).toBe('toString(tenant)');
    expect(cols.IPTTL).toBeNull();
    expect(def.l7).toBeUndefined();
  });

  it('reports every problem at once, each with its path and line', () => {
    const text = [
      'name: 9bad', // 1
      'extra: 1', // 2
      'l34:', // 3
      '  table: "provider.flows; DROP"', // 4
      '  feed: trigger', // 5
      '  defaults: absent', // 6
      '  columns:', // 7
      '    Datetime: toDateTime64(ts, 3)', // 8
      '    AccountID: null', // 9
      '    Tenant: tenant', // 10
    ].join('\n');
    let caught: unknown;
    try {
      parseSourceDefinition(text, 'bad.yaml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SourceDefinitionError);
    const problems = (caught as SourceDefinitionError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^name \(line 1\): must be a plain identifier/),
        expect.stringMatching(/^\(top level\) \(line 1\): .*extra/),
        expect.stringMatching(/^l34\.feed \(line 5\): must be materialized-view .* or periodic/),
      ]),
    );
    // zod stops at the object's own problems; the cross-field rules are checked once those are fixed.
    const second = [text.split('\n')[0]!.replace('9bad', 'ok'), ...text.split('\n').slice(2)].join('\n').replace('trigger', 'periodic');
    const problems2 = (() => {
      try {
        parseSourceDefinition(second, 'bad.yaml');
        return [];
      } catch (err) {
        return (err as SourceDefinitionError).problems;
      }
    })();
    expect(problems2).toEqual([
      expect.stringMatching(/^l34\.table \(line 3\): must be database\.table/),
      expect.stringMatching(/^l34\.columns\.Tenant \(line 9\): is not a raw column of net_samples/),
      expect.stringMatching(/^l34\.columns\.AccountID \(line 8\): is required/),
      expect.stringMatching(/^l34\.columns \(line 6\): needs a volume: SampleInterval .* or both Packets and Bytes/),
    ]);
  });

  it('needs at least one layer, and an L7 ZoneID', () => {
    expect(() => parseSourceDefinition('name: x\n', 'x.yaml')).toThrow(/\(top level\).*defines no layer/);
    expect(() => parseSourceDefinition('name: x\nl7:\n  table: a.b\n  feed: periodic\n  defaults: absent\n  columns:\n    Datetime: t\n    AccountID: a\n', 'x.yaml')).toThrow(
      /l7\.columns\.ZoneID \(line 6\): is required/,
    );
  });
});

describe('the sorting key', () => {
  const cols = new Set(['tenant', 'ts', 'zone', 'router']);
  const src = (AccountID: string, Datetime = 'toDateTime64(ts, 3)', ZoneID: string | null = null) => ({ columns: { AccountID, Datetime, ZoneID } });
  it('is fine led by the tenant (and zone), then time', () => {
    expect(sortKeyWarnings(src('toString(tenant)'), 'tenant, ts', cols)).toEqual([]);
    expect(sortKeyWarnings(src('toString(tenant)', 'toDateTime64(ts, 3)', 'zone'), 'tenant, zone, toStartOfHour(ts), router', cols)).toEqual([]);
    // A constant account (a single-tenant table) needs only time first.
    expect(sortKeyWarnings(src("'acme'"), 'ts', cols)).toEqual([]);
  });
  it('warns when the tenant does not lead, or time does not follow it', () => {
    expect(sortKeyWarnings(src('toString(tenant)'), 'ts, tenant', cols)).toEqual([expect.stringMatching(/does not start with tenant .*every report scans the whole table/)]);
    expect(sortKeyWarnings(src('toString(tenant)'), 'tenant, router, ts', cols)).toEqual([expect.stringMatching(/does not order by ts .* after the tenant: every report reads all of the account's history/)]);
    expect(sortKeyWarnings(src('toString(tenant)'), '', cols)).toHaveLength(2);
  });
});

describe('source check', () => {
  it('passes the flow table and lists what the reports will not contain', async () => {
    const r = await check(path.join(EXAMPLES, 'flows.yaml'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ok +Datetime: DateTime\('UTC'\) -> DateTime64\(3, 'UTC'\)/);
    expect(r.out).toMatch(/ok +IPSourceAddress: IPv6 -> IPv6/);
    expect(r.out).toMatch(/the reports will not contain:\n/);
    expect(r.out).toMatch(/- IPTTL: TTL in attack signatures \(no TTL signatures\)/);
    expect(r.out).toMatch(/- Outcome: the mitigation outcome: "not recorded"/);
    expect(r.out).toMatch(/- AttackVector: any L3\/4 attack traffic/);
    // Mapped columns are not said to be missing; ordered by (tenant, ts), so no sort-key warning.
    expect(r.out).not.toMatch(/- (SourcePort|DestinationPort|TCPFlags|ColoCode|IPDestinationAddress):/);
    expect(r.out).not.toMatch(/warning/);
    expect(r.out).toMatch(/source flows is usable\n$/);
  });

  it('passes the Logpush-like table with a warning that its sorting key does not lead with the account', async () => {
    const r = await check(path.join(EXAMPLES, 'firewall-events.yaml'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ok +ClientIP: IPv6 -> IPv6/);
    expect(r.out).toMatch(/warning: the table's sorting key \(Datetime\) does not start with account \(what AccountID reads\): every report scans the whole table/);
    expect(r.out.match(/warning/g)).toHaveLength(1);
    expect(r.out).toMatch(/- AttackID: the list of L7 attacks/);
    expect(r.out).toMatch(/- JA4: JA4 fingerprints in L7 signatures/);
    // Mapped: not said to be missing.
    expect(r.out).not.toMatch(/- (Action|ClientIP|ClientRequestPath):/);
    expect(r.out).toMatch(/absent, and read by no report: ZoneName, .*BotScore/);
    expect(r.out).toMatch(/source waf is usable/);
  });

  it('warns when an expression hides a sorting-key column from the index, asking the server', async () => {
    const r = await check(variant('flows.yaml', 'hidden-time.yaml', (t) => t.replace("Datetime: toDateTime(ts, 'UTC')", "Datetime: toDateTime64(ts, 3, 'UTC')")));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/warning: Datetime: toDateTime64\(ts, 3, 'UTC'\) hides ts from the table's sorting key: reading a report's window scans all of the account's history/);
    expect(r.out.match(/warning/g)).toHaveLength(1);
  });

  it('fails an unknown column with the server\'s message, not a stack', async () => {
    const r = await check(variant('flows.yaml', 'unknown-column.yaml', (t) => t.replace('SourcePort: sport', 'SourcePort: srcport')));
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/FAIL +SourcePort: \? -> UInt16/);
    expect(r.out).toMatch(/error: field SourcePort: Unknown expression identifier `srcport`\n/);
    expect(r.all).not.toMatch(/\n\s+at /);
    expect(r.err).toMatch(/source flows .* is not usable/);
  });

  it('fails a value of the wrong type', async () => {
    const r = await check(variant('flows.yaml', 'wrong-type.yaml', (t) => t.replace('DestinationPort: dport', 'DestinationPort: router')));
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/error: field DestinationPort: String cannot become UInt16 \(Cannot parse string 'fra-r1' as UInt16/);
  });

  it('fails times in the wrong unit (nanoseconds read as seconds)', async () => {
    const r = await check(variant('firewall-events.yaml', 'ns.yaml', (t) => t.replace("Datetime: toDateTime(intDiv(Datetime, 1000000000), 'UTC')", 'Datetime: Datetime')));
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/error: field Datetime: sampled times run from the year \d+ to \d+, outside 2000-2100/);
  });

  it('fails a where that does not compile', async () => {
    const r = await check(variant('flows.yaml', 'bad-where.yaml', (t) => t.replace('  defaults: absent', '  where: direction = 1\n  defaults: absent')));
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/error: where: Unknown expression (or function )?identifier `direction`/);
  });

  it('fails an unknown table', async () => {
    const r = await check(variant('flows.yaml', 'no-table.yaml', (t) => t.replace('table: provider.flows', 'table: provider.flow')));
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/error: unknown table provider\.flow/);
  });

  it('refuses a missing required field, a raw column neither mapped nor absent, and broken YAML, with lines', async () => {
    const required = await check(variant('flows.yaml', 'no-account.yaml', (t) => t.replace('AccountID: toString(tenant)', 'AccountID: null')));
    expect(required.code).toBe(2);
    expect(required.err).toMatch(/invalid source definition .*no-account\.yaml: 1 problem\n {2}l34\.columns\.AccountID \(line 13\): is required/);
    expect(required.out).toBe('');

    const undeclared = await check(variant('firewall-events.yaml', 'undeclared.yaml', (t) => t.replace('    BotScore: null\n', '').replace('    JA4: null\n', '')));
    expect(undeclared.code).toBe(2);
    expect(undeclared.err).toMatch(/l7\.columns \(line 8\): does not say what JA4, BotScore are: map each to an expression, set it to null \(absent\), or add "defaults: absent"/);

    const yaml = await check(variant('flows.yaml', 'broken.yaml', (t) => t.replace('  feed: materialized-view', '  feed: materialized-view\n feed2: x')));
    expect(yaml.code).toBe(2);
    expect(yaml.err).toMatch(/invalid source definition .*broken\.yaml: \d+ problems?\n {2}line 10: /);
  });
});

describe('attach, sync, report and detach through the CLI', () => {
  const cli = (args: string[]) => run(args, 120_000);
  const flows = path.join(EXAMPLES, 'flows.yaml');
  const FROM = new Date(T0 * 1000).toISOString();
  const TO = new Date((T0 + 600 * 60) * 1000).toISOString();
  // The materialized views count from the end of the provider's rows on; the rows before are the sync's.
  const FEED_FROM = new Date((T0 + 600 * 60) * 1000).toISOString();
  const LATER = new Date((T0 + 660 * 60) * 1000).toISOString();
  /** Packets of tenant 1000 in the window, straight from the provider's table: the report's figure must match it. */
  async function providerPackets(toS = T0 + 600 * 60): Promise<number> {
    const t = await connect({ env: {}, dataDir });
    try {
      const rows = await (await t.client.query({ query: `SELECT sum(packets * sampling_rate) AS p FROM provider.flows WHERE tenant = 1000 AND ts >= ${T0} AND ts < ${toS}`, format: 'JSONEachRow' })).json<{ p: string }>();
      return Number(rows[0]!.p);
    } finally {
      await t.client.close();
    }
  }
  const reportPackets = (out: string) => {
    const file = out.trim().split('\n').find((l) => l.endsWith('.json'))!;
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { totals: { l34: { packets: number } } }).totals.l34.packets;
  };

  it('reports from the provider table once attached and backfilled, and follows rows inserted after attaching', async () => {
    const notYet = await cli(['generate', '--source', flows, '--account', '1000', '--from', FROM, '--to', TO, '--format', 'json', '--out', path.join(work, 'r0')]);
    expect(notYet.code).toBe(2);
    expect(notYet.err).toContain('source attach --source');

    const early = await cli(['source', 'attach', '--source', flows, '--feed-from', FROM]);
    expect(early.code).toBe(2);
    expect(early.err).toMatch(/row\(s\) at or after the feed start .* are in your table already/);
    const attached = await cli(['source', 'attach', '--source', flows, '--feed-from', FEED_FROM]);
    expect(attached.code, attached.err).toBe(0);
    expect(attached.err).toContain('attached source flows as database ddos_src_flows');
    expect(attached.err).toContain(`counting rows from ${FEED_FROM} on; backfill what is before: attack-report source sync --source ${flows} --from … --to ${FEED_FROM}`);
    // Rows that were there before attaching are not in the rollups until the backfill.
    const before = await cli(['generate', '--source', flows, '--account', '1000', '--from', FROM, '--to', TO, '--format', 'json', '--out', path.join(work, 'r1')]);
    expect(before.code).toBe(1);
    expect(before.err).toMatch(/no telemetry/);
    const synced = await cli(['source', 'sync', '--source', flows, '--from', new Date((T0 - 86_400) * 1000).toISOString(), '--to', new Date((T0 + 86_400) * 1000).toISOString(), '--chunk', '6h']);
    expect(synced.code, synced.err).toBe(0);
    expect(synced.err).toMatch(/source flows: \d+ insert\(s\), /);
    expect(synced.err).toContain(`l34: read up to ${FEED_FROM}; from there on its materialized views count the rows`);

    const report = await cli(['generate', '--source', flows, '--account', '1000', '--from', FROM, '--to', TO, '--format', 'json', '--out', path.join(work, 'r2')]);
    expect(report.code, report.err).toBe(0);
    const expected = await providerPackets();
    expect(expected).toBeGreaterThan(0);
    expect(reportPackets(report.out)).toBe(expected);
    // A window reaching before what was synced: refused naming the stretch, or produced with it named.
    const EARLY = new Date((T0 - 2 * 86_400) * 1000).toISOString();
    const gap = await cli(['generate', '--source', flows, '--account', '1000', '--from', EARLY, '--to', TO, '--format', 'json', '--out', path.join(work, 'r-gap')]);
    expect(gap.code).toBe(1);
    const hole = `L3/4 data of source flows is not synced from ${EARLY.replace(':00.000Z', 'Z')} to ${new Date((T0 - 86_400) * 1000).toISOString().replace(':00.000Z', 'Z')} (24 h): the report counts nothing there`;
    expect(gap.err).toContain(hole);
    expect(gap.err).toContain('pass --allow-gaps to produce the report anyway');
    const status = await cli(['source', 'status', '--source', flows, '--from', EARLY, '--to', TO]);
    expect(status.code).toBe(1);
    expect(status.out).toContain(`L3/4: feed materialized-view, counted by its materialized views from ${FEED_FROM.replace(':00.000Z', 'Z')} on`);
    expect(status.out).toContain(`NOT SYNCED (hole): ${EARLY.replace(':00.000Z', 'Z')} to ${new Date((T0 - 86_400) * 1000).toISOString().replace(':00.000Z', 'Z')} (1,440 min)`);
    const held = await cli(['source', 'status', '--source', flows, '--from', FROM, '--to', TO]);
    expect(held.code, held.err).toBe(0);
    expect(held.out).toContain('every stretch of the range is held');
    const gapped = await cli(['generate', '--source', flows, '--account', '1000', '--from', EARLY, '--to', TO, '--format', 'json', '--out', path.join(work, 'r-gap'), '--allow-gaps']);
    expect(gapped.code, gapped.err).toBe(0);
    expect(gapped.err).toContain(`note: ${hole}`);
    expect(reportPackets(gapped.out)).toBe(expected);
    // The report says what the source does not record, and so what it leaves out.
    const json = JSON.parse(fs.readFileSync(report.out.trim().split('\n').find((l) => l.endsWith('.json'))!, 'utf8')) as { notes: string[] };
    const note = json.notes.find((n) => n.includes('source flows (provider.flows)'));
    expect(note).toMatch(/does not record .*AttackVector.*IPTTL/);
    expect(note).toContain('no TTL in attack signatures');
    expect(report.err).toContain('note: L3/4 data comes from the source flows');

    // New rows in the provider's table reach the next report through the materialized views; a row arriving
    // late in a range already synced is reported by the next sync, which exits 1.
    const insert = async (fromS: number, n: number) => {
      const t = await connect({ env: {}, dataDir });
      try {
        await t.client.command({ query: `INSERT INTO provider.flows SELECT ${fromS} + number * 60, 1000, 3232235777, 3405803786, 40000, 53, 17, 0, 1200, 7, 1000, 'fra-r1' FROM numbers(${n})` });
      } finally {
        await t.client.close();
      }
    };
    await insert(T0 + 600 * 60 + 30, 5);
    const after = await cli(['generate', '--source', flows, '--account', '1000', '--from', FROM, '--to', LATER, '--format', 'json', '--out', path.join(work, 'r3')]);
    expect(after.code, after.err).toBe(0);
    expect(reportPackets(after.out)).toBe(expected + 5 * 7 * 1000);
    expect(reportPackets(after.out)).toBe(await providerPackets(T0 + 660 * 60));
    await insert(T0 + 30, 2);
    const late = await cli(['source', 'sync', '--source', flows, '--from', FROM, '--to', TO]);
    expect(late.code).toBe(1);
    expect(late.err).toMatch(/late: l34 .*: 2 row\(s\) arrived after the range was read/);
    expect(late.err).toMatch(/2 row\(s\) in 1 range\(s\) arrived after their range was synced and are in no report/);

    // A configuration naming the source: scheduled and previewed reports read it too, with its note.
    const config = path.join(work, 'config.yaml');
    fs.writeFileSync(config, [
      'clickhouse:', `  dataDir: ${dataDir}`, `  source: ${flows}`, `worker:`, `  stateDir: ${path.join(work, 'state')}`,
      'customers:', '  - id: t1000', '    name: Tenant 1000', "    accountId: '1000'", '    timezone: UTC', '    allowedDomains: [t1000.example]', '    recipients: [soc@t1000.example]', '    schedules: []', '',
    ].join('\n'));
    const preview = await cli(['send', '--config', config, '--customer', 't1000', '--window', 'previous-day', '--dry-run', '--out', path.join(work, 'preview'), '--now', new Date((T0 + 86_400) * 1000).toISOString()]);
    expect(preview.code, preview.err).toBe(0);
    const pdf = await pdfText(new Uint8Array(fs.readFileSync(preview.out.trim().split('\n').find((l) => l.endsWith('.pdf'))!)));
    expect(pdf.pages.join(' ').replace(/\s+/g, ' ')).toContain('comes from the source flows');
    // A day the source has not synced: a real send would be held (and retried), so the preview says so.
    const unsynced = await cli(['send', '--config', config, '--customer', 't1000', '--window', 'previous-day', '--dry-run', '--out', path.join(work, 'preview2'), '--now', new Date((T0 - 86_400) * 1000).toISOString()]);
    expect(unsynced.code).toBe(1);
    expect(unsynced.err).toMatch(/held: L3\/4 data of source flows is not synced from .* a real send would be held and send nothing; no preview was built/);
    const broken = path.join(work, 'broken.yaml');
    fs.writeFileSync(broken, fs.readFileSync(config, 'utf8').replace(flows, path.join(work, 'nowhere.yaml')));
    const refused = await cli(['config', 'check', '--config', broken]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/clickhouse\.source \(line 3\): .*nowhere\.yaml/);

    const detached = await cli(['source', 'detach', '--source', flows]);
    expect(detached.code, detached.err).toBe(0);
    expect((await cli(['generate', '--source', flows, '--account', '1000', '--from', FROM, '--to', TO, '--format', 'json', '--out', path.join(work, 'r4')])).code).toBe(2);
  }, 180_000);
});

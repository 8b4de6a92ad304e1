/**
 * `attack-report ingest` as users meet it, on what the issue "Trust what it tells" found: tenant ids that try
 * to escape into SQL, lines and inputs without bounds, hidden characters in field names, a cut-off gzip, a file
 * loaded under the wrong dataset, an empty file, a reload, and flow CSVs of the later CICFlowMeter generation.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../src/clickhouse/client.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';
import { serveForBackend, stopServed } from './helpers/db.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-ingest-cli-'));
const dataDir = path.join(work, 'data');
const rejects = path.join(work, 'rejects.ndjson');

function run(args: string[], opts: { input?: string; dir?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [BIN, 'ingest', '--rejects', rejects, ...args], {
    encoding: 'utf8', input: opts.input,
    env: { ...process.env, ATTACK_REPORT_DATA_DIR: opts.dir ?? dataDir, CLICKHOUSE_URL: '', ...opts.env },
    timeout: 60_000,
  });
  return { code: r.status, stderr: r.stderr };
}

function write(name: string, content: string | Buffer): string {
  const file = path.join(work, name);
  fs.writeFileSync(file, content);
  return file;
}

const event = (i: number, over: Record<string, unknown> = {}) =>
  JSON.stringify({ Datetime: `2026-11-10T10:${String(i % 60).padStart(2, '0')}:00Z`, Action: 'block', Source: 'waf', ClientIP: '192.0.2.1', RayID: `r${i}`, ...over });
const sample = (i: number) => JSON.stringify({
  Datetime: `2026-11-12T08:${String(i % 60).padStart(2, '0')}:00Z`, SampleInterval: 10, IPSourceAddress: '198.51.100.7', IPDestinationAddress: '203.0.113.10',
  IPProtocol: 17, IPTotalLength: 512, SourcePort: 53, DestinationPort: i, Outcome: 'drop', AttackVector: 'DNS Amplification', ColoCode: 'FRA', Verdict: 'drop',
});

async function countRows(dir: string, table: string): Promise<number> {
  const target = await connect({ env: {}, dataDir: dir });
  try {
    const r = await target.client.query({ query: `SELECT count() AS n FROM system.tables WHERE database = 'ddos' AND name = {t:String}`, query_params: { t: table }, format: 'JSONEachRow' });
    if (Number((await r.json<{ n: string }>())[0]!.n) === 0) return 0;
    const c = await target.client.query({ query: `SELECT count() AS n FROM ddos.${table}`, format: 'JSONEachRow' });
    return Number((await c.json<{ n: string }>())[0]!.n);
  } finally {
    await target.client.close();
  }
}

// In the server run, each data directory the cases use is served before the CLI reaches it.
beforeAll(async () => {
  for (const d of ['data', 'data-sig', 'data-wrong', 'data-cic-later', 'data-cic-earlier', 'data-cic-cut']) await serveForBackend(path.join(work, d));
});

afterAll(async () => {
  await stopServed();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('tenant ids', () => {
  const good = write('fw.ndjson', `${event(1)}\n`);
  // The payload of the finding: a backslash before the quote the engine's adapter doubles, then a statement.
  const chars = (s: string) => `char(${[...s].map((c) => c.charCodeAt(0)).join(',')})`;
  const pwned = path.join(work, 'pwned.csv');
  const payload = `x\\'; INSERT INTO FUNCTION file(${chars(pwned)}, ${chars('CSV')}) SELECT 1; --`;

  it.each([['--account', payload, ''], ['--zone', 'acme', payload]])('%s with an SQL payload exits 2, writes no file and inserts nothing', async (flag, account, zone) => {
    const dir = path.join(work, `data-tenant${flag}`);
    const r = run(['--dataset', 'firewall_events', '--account', account, '--zone', zone, good], { dir });
    expect(r.stderr).toMatch(new RegExp(`${flag} "x.*tenant id.* 1-64 characters of A-Z a-z 0-9 \\. _ -`));
    expect(r.code).toBe(2);
    expect(fs.existsSync(pwned)).toBe(false);
    expect(await countRows(dir, 'l7_events')).toBe(0);
  });

  it('a mapping cannot set the tenant: AccountID or ZoneID among its constants exits 2', () => {
    const mapping = write('tenant-mapping.yaml', 'table: net_samples\ncolumns:\n  Datetime: Timestamp\nconstants:\n  AccountID: "other\\\\\'; --"\n');
    const csv = write('t.csv', 'Timestamp\n2026-11-10 10:00:00\n');
    const r = run(['--format', 'csv', '--mapping', mapping, '--account', 'acme', csv]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/constants\.AccountID: the tenant comes from --account and --zone, not from the mapping/);
  });
});

const lastRejects = () => fs.readFileSync(rejects, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: number; reason: string; text: string });

describe('bounds on lines and inputs', () => {
  it('a line over --max-line-bytes is rejected by number with the reason, and its neighbours load', () => {
    const long = `{"Datetime":"2026-11-10T10:02:00Z","Action":"${'A'.repeat(5000)}"}`;
    const file = write('long.ndjson', [event(1), long, event(3)].join('\n'));
    const r = run(['--dataset', 'firewall_events', '--account', 'long', '--max-line-bytes', '1KiB', '--max-reject-share', '50%', file]);
    expect(r.stderr).toContain('read 3 lines: 2 new rows, 0 already loaded, 1 rejected');
    expect(r.code).toBe(0);
    expect(lastRejects()).toEqual([{ file, line: 2, reason: `the line is ${Buffer.byteLength(long)} bytes long, longer than --max-line-bytes 1 KiB; its bytes were skipped`, text: expect.stringMatching(/^\{"Datetime".{400}/) }]);
  });

  it('an input that expands past --max-expanded-bytes fails (exit 1) naming it', () => {
    const file = write('bomb.ndjson.gz', zlib.gzipSync(`${Array.from({ length: 2000 }, (_, i) => event(i)).join('\n')}\n`));
    const tmp = fs.mkdtempSync(path.join(work, 'tmp-'));
    const r = run(['--dataset', 'firewall_events', '--account', 'bomb', '--max-expanded-bytes', '64KiB', '--batch-rows', '100', file], { env: { TMPDIR: tmp } });
    expect(r.code).toBe(1);
    // The chunk files of the failed load are gone.
    expect(fs.readdirSync(tmp).filter((d) => d.startsWith('attack-report-ingest-'))).toEqual([]);
    expect(r.stderr).toMatch(new RegExp(`${file.replaceAll('.', '\\.')} expands to more than --max-expanded-bytes 64 KiB; stopped after line \\d+ \\(the lines before it were loaded\\)`));
  });

  it('a file of nothing but newlines says so and exits 1', () => {
    const file = write('newlines.ndjson', '\n'.repeat(100_000));
    const r = run(['--dataset', 'firewall_events', '--account', 'blank', file]);
    expect(r.stderr).toContain(`warning: ${file} has no records (100000 blank lines)`);
    expect(r.stderr).toContain('nothing was loaded: the input has no records (100000 blank lines)');
    expect(r.code).toBe(1);
  });

  it('SIGTERM in the middle of a load leaves no chunk file behind', async () => {
    const tmp = fs.mkdtempSync(path.join(work, 'tmp-'));
    const env = { ...process.env, ATTACK_REPORT_DATA_DIR: path.join(work, 'data-sig'), CLICKHOUSE_URL: '', TMPDIR: tmp };
    // The embedded engine takes a piped stdin for the data of the first run's migration INSERTs: migrated first.
    expect(spawnSync(process.execPath, [BIN, 'db', 'migrate'], { env }).status).toBe(0);
    const child = spawn(process.execPath, [BIN, 'ingest', '--dataset', 'firewall_events', '--account', 'sig', '--batch-rows', '2', '-'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Lines go in, and stdin stays open: the load is under way until the signal.
    child.stdin.write(`${event(1)}\n${event(2)}\n${event(3)}\n`);
    const chunkDir = () => fs.readdirSync(tmp).find((d) => d.startsWith('attack-report-ingest-'));
    await new Promise<void>((resolve) => {
      const look = () => (chunkDir() && fs.readdirSync(path.join(tmp, chunkDir()!)).length > 0 ? resolve() : setImmediate(look));
      look();
    });
    child.kill('SIGTERM');
    // Ended by the signal, as a process without a handler would be, once its chunk files are gone.
    expect(await exited).toBe('SIGTERM');
    expect(stderr).toContain('ingest stopped by SIGTERM');
    expect(fs.readdirSync(tmp).filter((d) => d.startsWith('attack-report-ingest-'))).toEqual([]);
  });
});

describe('what the summary tells', () => {
  it('field names with terminal escapes are shown marked, and constructor, toString and __proto__ are counted like any name', () => {
    const hostile = ['\u001b]0;pwned\u0007\u001b[2J', 'constructor', 'toString', '__proto__'];
    const file = write('escapes.ndjson', `${JSON.stringify({ ...JSON.parse(event(1)), ...Object.fromEntries(hostile.map((k) => [k, 1])) })}\n`);
    const r = run(['--dataset', 'firewall_events', '--account', 'esc', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    const line = r.stderr.split('\n').find((l) => l.startsWith('ignored fields'))!;
    expect(line).toContain('[U+001B]]0;pwned[U+0007][U+001B][2J (1)');
    for (const name of ['constructor (1)', 'toString (1)', '__proto__ (1)']) expect(line).toContain(name);
  });

  it('a cut-off gzip loads the lines before the cut, exits 1 saying where it stopped, and its counts add up', () => {
    const gz = zlib.gzipSync(`${Array.from({ length: 3000 }, (_, i) => event(i, { ClientRequestPath: `/p/${i * 7919}` })).join('\n')}\n`);
    const file = write('cut.ndjson.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const r = run(['--dataset', 'firewall_events', '--account', 'cut', '--batch-rows', '500', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`is cut off or corrupt: decompression stopped at byte ${Math.floor(gz.length / 2)} of the compressed input, after line (\\d+)`));
    const [, read, fresh, again, rejected, skipped] = /read (\d+) lines: (\d+) new rows, (\d+) already loaded, (\d+) rejected.*, (\d+) skipped/.exec(r.stderr)!.map(Number);
    expect(read).toBe(fresh! + again! + rejected! + skipped!);
    expect(fresh).toBeGreaterThan(500);
  });

  it('a reload says its rows were already loaded; the summary gives the events\' time span', () => {
    const file = write('reload.ndjson', `${[event(5), event(1), event(9)].join('\n')}\n`);
    const first = run(['--dataset', 'firewall_events', '--account', 'reload', file]);
    expect(first.stderr).toContain('read 3 lines: 3 new rows, 0 already loaded, 0 rejected, 0 skipped; 0 blank lines');
    expect(first.stderr).toContain('events from 2026-11-10T10:01:00.000Z to 2026-11-10T10:09:00.000Z');
    const again = run(['--dataset', 'firewall_events', '--account', 'reload', file]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('read 3 lines: 0 new rows, 3 already loaded, 0 rejected, 0 skipped');
  });
});

describe('the wrong dataset', () => {
  const network = write('network.ndjson', `${Array.from({ length: 5 }, (_, i) => sample(i)).join('\n')}\n`);

  it('a network file named firewall_events stops before loading, naming the likely dataset; --no-dataset-check loads it anyway', async () => {
    const dir = path.join(work, 'data-wrong');
    const r = run(['--dataset', 'firewall_events', '--account', 'wrong', network], { dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/network\.ndjson looks like network_analytics_logs, not firewall_events: .* Use --dataset network_analytics_logs, or --no-dataset-check/);
    expect(await countRows(dir, 'l7_events')).toBe(0);
    const forced = run(['--dataset', 'firewall_events', '--account', 'wrong', '--no-dataset-check', network], { dir });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('5 new rows');
    expect(run(['--dataset', 'network_analytics_logs', '--account', 'right', network]).code).toBe(0);
  });

  it('a JSON array is named as such', () => {
    const file = write('array.json', `[\n${[event(1), event(2)].join(',\n')}\n]\n`);
    const r = run(['--dataset', 'firewall_events', '--account', 'arr', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('it is a JSON array, not NDJSON (one JSON object per line)');
  });
});

describe('flow CSVs of both CICFlowMeter generations', () => {
  const MAPPING = path.join(PACKAGE_ROOT, 'examples', 'mappings', 'cic-flows.yaml');
  // The later generation's header (CIC-IDS2017 re-extracted, CSE-CIC-IDS2018): short names, an id column first.
  const later = ['id', 'Flow ID', 'Src IP', 'Src Port', 'Dst IP', 'Dst Port', 'Protocol', 'Timestamp', 'Flow Duration', 'Total Fwd Packet', 'Total Bwd packets',
    'Total Length of Fwd Packet', 'Total Length of Bwd Packet', 'Label'];
  const earlier = ['Unnamed: 0', 'Flow ID', ' Source IP', ' Source Port', ' Destination IP', ' Destination Port', ' Protocol', ' Timestamp', ' Flow Duration',
    ' Total Fwd Packets', ' Total Backward Packets', 'Total Length of Fwd Packets', ' Total Length of Bwd Packets', ' Label'];
  const row = (i: number, label: string) => [i, `f${i}`, '172.16.0.1', 40000 + i, '192.168.10.50', 80, 6, `2017-07-07 19:14:0${i}.346778`, 5243884, 8, 5, 20 + i, 11595, label].join(',');

  it.each([['later', later], ['earlier', earlier]])('the shipped mapping loads the %s header', async (generation, header) => {
    const dir = path.join(work, `data-cic-${generation}`);
    const file = write(`cic-${generation}.csv`, `${[header.join(','), row(1, 'DDoS'), '', row(2, 'BENIGN'), row(3, 'DDoS')].join('\n')}\n`);
    const r = run(['--format', 'csv', '--mapping', MAPPING, '--account', 'lab', file], { dir });
    expect(r.stderr).toContain('read 3 lines: 3 new rows, 0 already loaded, 0 rejected, 0 skipped; 1 blank lines');
    expect(r.stderr).toContain('events from 2017-07-07T19:14:01.346Z to 2017-07-07T19:14:03.346Z');
    expect(r.code).toBe(0);
    const target = await connect({ env: {}, dataDir: dir });
    try {
      const rows = await (await target.client.query({
        query: "SELECT toString(IPSourceAddress) AS src, SourcePort AS sport, DestinationPort AS dport, AttackVector AS v, toString(Packets) AS p, toString(Bytes) AS b FROM ddos.net_samples ORDER BY sport",
        format: 'JSONEachRow',
      })).json();
      expect(rows).toEqual([1, 2, 3].map((i) => ({ src: '::ffff:172.16.0.1', sport: 40000 + i, dport: 80, v: i === 2 ? '' : 'DDoS', p: '13', b: String(20 + i + 11595) })));
    } finally {
      await target.client.close();
    }
  });

  it('a cut-off gzip CSV loads every complete row before the cut, then exits 1 saying where it stopped', () => {
    const gz = zlib.gzipSync(`${[later.join(','), ...Array.from({ length: 6000 }, (_, i) => row(i % 10, 'DDoS').replace(/^\d+,f\d+/, `${i},f${i}`))].join('\n')}\n`);
    const cut = gz.subarray(0, gz.length >> 1);
    // What an independent decompression of the first half gives: the header and the complete rows after it.
    const complete = zlib.gunzipSync(cut, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString().split('\n').length - 2;
    const file = write('cic-cut.csv.gz', cut);
    const r = run(['--format', 'csv', '--mapping', MAPPING, '--account', 'lab-cut', '--batch-rows', '1000', file], { dir: path.join(work, 'data-cic-cut') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cic-cut\.csv\.gz is cut off or corrupt: decompression stopped at byte \d+ of the compressed input, after line \d+/);
    const [, read, fresh, rejected] = /read (\d+) lines: (\d+) new rows, 0 already loaded, (\d+) rejected/.exec(r.stderr)!.map(Number);
    expect(fresh).toBe(complete);
    expect(read).toBe(fresh! + rejected!);
  });

  it('a column none of whose names the header has is named with its alternatives, exit 2', () => {
    const file = write('cic-other.csv', `Timestamp,Src Addr\n2017-07-07 19:14:01,1.2.3.4\n`);
    const r = run(['--format', 'csv', '--mapping', MAPPING, '--account', 'lab', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the mapping names the column "Source IP" (or "Src IP"), which the header does not have');
  });
});

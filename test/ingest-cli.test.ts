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
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../src/clickhouse/client.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';

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

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

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

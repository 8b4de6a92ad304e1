import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/util/paths.js';

// Runs the real CLI as users do (the build in dist/ is made by `npm install`/`pretest`).
const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-cli-'));
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-cli-out-'));

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ATTACK_REPORT_DATA_DIR: dataDir, CLICKHOUSE_URL: '', ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The same, awaited: a run of synchronous spawns holds this worker's event loop for minutes on a busy machine,
 * and vitest's own messages to it then time out.
 */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ATTACK_REPORT_DATA_DIR: dataDir, CLICKHOUSE_URL: '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
  });
}

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(outDir, { recursive: true, force: true });
});

describe('CLI usage errors exit 2 and name the bad input', () => {
  it.each([
    [['generate', '--account', 'acme', '--from', '2026-11-02', '--to', '2026-11-01'], /--from \(2026-11-02.*must be before --to/],
    [['generate', '--account', 'acme', '--from', 'last tuesday', '--to', '2026-11-01'], /--from "last tuesday" is not an ISO 8601/],
    [['generate', '--account', 'acme', '--last', '7d', '--format', 'pdf,docx'], /--format "docx" is not supported/],
    [['generate', '--last', '7d'], /required option '--account <id>' not specified/],
    [['generate', '--account', 'acme', '--last', '7d', '--tz', 'Europe/Atlantis'], /--tz "Europe\/Atlantis" is not an IANA time zone/],
    [['generate', '--account', 'acme'], /a window is required/],
    [['seed', '--scale', '-1'], /--scale "-1" must be a positive number/],
    [['generate', '--account', 'acme', '--last', '7d', '--max-collateral', '150%'], /--max-collateral must be a share below 100%.*got "150%"/],
    [['generate', '--account', 'acme', '--last', '7d', '--branding', '/nonexistent/brand.json'], /cannot read the branding file \/nonexistent\/brand.json/],
    [['generate', '--account', 'acme', '--last', '7d', '--templates', '/nonexistent/templates'], /--templates "\/nonexistent\/templates" is not a directory/],
    [['generate', '--account', 'acme', '--last', '7d', '--paper', 'a3'], /--paper "a3" is not supported; use a4 or letter/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j', async (args, message) => {
    const r = await cli(args);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('rejects a malformed CLICKHOUSE_URL with exit 2', async () => {
    const r = await cli(['db', 'migrate'], { CLICKHOUSE_URL: 'ftp://example' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CLICKHOUSE_URL: must be an http/);
  });
});

describe('CLI runtime behaviour', () => {
  it('--help exits 0 and documents commands, environment and exit codes', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['generate', 'demo', 'seed', 'db', 'CLICKHOUSE_URL', 'Exit codes']) expect(r.stdout).toContain(word);
    const g = await cli(['generate', '--help']);
    expect(g.code).toBe(0);
    expect(g.stdout).toContain('--last <duration>');
  });

  it('an unreachable CLICKHOUSE_URL exits 1, names the URL and never prints the password', async () => {
    const r = await cli(['generate', '--account', 'acme', '--last', '1d', '--format', 'json', '--out', outDir], {
      CLICKHOUSE_URL: 'http://reporter:s3cret-pw@127.0.0.1:1/',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('127.0.0.1:1');
    expect(r.stderr).not.toContain('s3cret-pw');
  });

  it('an account with no telemetry at all exits 1, names it and says how to list the known accounts; nothing is written', async () => {
    const before = fs.readdirSync(outDir);
    const r = await cli(['generate', '--account', 'nobody', '--from', '2026-01-01', '--to', '2026-01-02', '--format', 'json', '--out', outDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('account "nobody" has no telemetry at all');
    expect(r.stderr).toContain('attack-report accounts');
    expect(r.stderr).toContain('--allow-empty');
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(outDir)).toEqual(before);
  });

  it('with --allow-empty, an account with no telemetry gets a report that says no data was seen, exit 0', async () => {
    const r = await cli(['generate', '--account', 'nobody', '--from', '2026-01-01', '--to', '2026-01-02', '--format', 'json', '--out', outDir, '--allow-empty']);
    expect(r.stderr).toMatch(/No data was seen for account nobody/);
    expect(r.code).toBe(0);
    const file = r.stdout.trim();
    expect(file.endsWith('.json')).toBe(true);
    const model = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(model.attacks).toEqual([]);
    expect(model.window).toMatchObject({ from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z', timezone: 'UTC' });
  });

  it('an output directory that cannot be created exits 2 and names it', async () => {
    const file = path.join(outDir, 'a-file');
    fs.writeFileSync(file, 'x');
    const bad = path.join(file, 'reports');
    const r = await cli(['generate', '--account', 'nobody', '--last', '1h', '--format', 'json', '--out', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${bad} is not a directory this user can write reports into`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a PUPPETEER_EXECUTABLE_PATH that does not exist exits 1 and says so', async () => {
    const r = await cli(['generate', '--account', 'nobody', '--allow-empty', '--last', '1h', '--format', 'pdf', '--out', outDir], { PUPPETEER_EXECUTABLE_PATH: '/nonexistent/chrome' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PUPPETEER_EXECUTABLE_PATH points to \/nonexistent\/chrome, which does not exist/);
    expect(fs.readdirSync(outDir).filter((f) => f.endsWith('.pdf'))).toEqual([]);
  });

  it('db migrate is idempotent', async () => {
    const r = await cli(['db', 'migrate']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/0 migration\(s\) applied, \d+ already in place/);
  });
});

describe('ingest command', () => {
  const file = path.join(outDir, 'mixed.ndjson');
  const rejects = path.join(outDir, 'rejects.ndjson');
  const good = (i: number) => JSON.stringify({ Datetime: `2026-11-10T10:0${i}:00Z`, Action: 'block', Source: 'waf', ClientIP: '192.0.2.1' });
  fs.writeFileSync(file, [good(1), '{"Datetime": "not a time"}', good(2)].join('\n'));

  it('loads the good lines, lists the bad one with its line in an owner-only reject file, and exits 1 above --max-reject-share', () => {
    // A reject file left world-readable by an earlier tool is made owner-only when rewritten: it holds customer data.
    fs.writeFileSync(rejects, 'old\n', { mode: 0o644 });
    fs.chmodSync(rejects, 0o644);
    const r = run(['ingest', '--dataset', 'firewall_events', '--account', 'ing', '--rejects', rejects, file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('read 3 lines: 2 new rows, 0 already loaded, 1 rejected');
    expect(r.stderr).toContain('above --max-reject-share 1%; the valid lines were loaded');
    expect(JSON.parse(fs.readFileSync(rejects, 'utf8').trim())).toMatchObject({ line: 2, reason: expect.stringContaining('Datetime "not a time"') });
    expect(fs.statSync(rejects).mode & 0o777).toBe(0o600);
    const tolerant = run(['ingest', '--dataset', 'firewall_events', '--account', 'ing', '--rejects', rejects, '--max-reject-share', '50%', file]);
    expect(tolerant.code).toBe(0);
  });

  it('reads standard input with -', () => {
    const r = spawnSync(process.execPath, [BIN, 'ingest', '--dataset', 'firewall_events', '--account', 'ing-stdin', '--rejects', rejects, '-'], {
      encoding: 'utf8', input: `${good(3)}\n${good(4)}\n`, env: { ...process.env, ATTACK_REPORT_DATA_DIR: dataDir, CLICKHOUSE_URL: '' },
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('read 2 lines: 2 new rows, 0 already loaded, 0 rejected');
  });

  it('reads standard input on a new data directory, NDJSON and CSV alike, from a shell pipe or a redirected file', () => {
    // The embedded engine treats data waiting on descriptor 0 as an INSERT's input: the first run's migrations
    // and every CSV batch failed with "both inlined and external data (from stdin or infile)".
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-cli-stdin-'));
    try {
      const env = { ...process.env, ATTACK_REPORT_DATA_DIR: fresh, CLICKHOUSE_URL: '' };
      const ndjsonFile = path.join(outDir, 'stdin-new.ndjson');
      fs.writeFileSync(ndjsonFile, `${good(5)}\n${good(6)}\n`);
      // `cat file | attack-report ingest … -`: a real pipe, as a shell makes it.
      const ndjson = spawnSync('sh', ['-c', 'cat "$1" | "$2" "$3" ingest --dataset firewall_events --account ing-stdin-new --rejects "$4" -', 'sh', ndjsonFile, process.execPath, BIN, rejects], {
        encoding: 'utf8', env,
      });
      expect(ndjson.stderr).toContain('read 2 lines: 2 new rows');
      expect(ndjson.status).toBe(0);
      const mapping = path.join(outDir, 'stdin-mapping.yaml');
      fs.writeFileSync(mapping, 'table: net_samples\ncolumns:\n  Datetime: Time\n  DestinationPort: Port\nsums:\n  Packets: Packets\n  Bytes: Bytes\n');
      const csvFile = path.join(outDir, 'stdin-new.csv');
      fs.writeFileSync(csvFile, 'Time,Port,Packets,Bytes\n2026-11-10T10:00:00Z,53,10,1000\n2026-11-10T10:01:00Z,53,20,2000\n');
      // `attack-report ingest … - < file`: a redirected file.
      const input = fs.openSync(csvFile, 'r');
      try {
        const csv = spawnSync(process.execPath, [BIN, 'ingest', '--format', 'csv', '--mapping', mapping, '--account', 'ing-stdin-new', '--rejects', rejects, '-'], {
          encoding: 'utf8', env, stdio: [input, 'pipe', 'pipe'],
        });
        expect(csv.stderr).toContain('read 2 lines: 2 new rows');
        expect(csv.status).toBe(0);
      } finally {
        fs.closeSync(input);
      }
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('shows a progress bar with lines per second on a terminal, and none in a log', () => {
    const big = path.join(outDir, 'progress.ndjson');
    // 5,000 lines of about 100 bytes: each chunk of 2,000 is several of the reader's 64 KB blocks.
    fs.writeFileSync(big, `${Array.from({ length: 5_000 }, (_, i) => good(i % 10)).join('\n')}\n`);
    const args = [BIN, 'ingest', '--dataset', 'firewall_events', '--account', 'ing-tty', '--batch-rows', '2000', '--rejects', rejects, big];
    const env = { ...process.env, ATTACK_REPORT_DATA_DIR: dataDir, CLICKHOUSE_URL: '' };
    // A preloaded module makes stderr claim to be a terminal, as it is for a person at a shell.
    const tty = spawnSync(process.execPath, ['--import', 'data:text/javascript,process.stderr.isTTY=true', ...args], { encoding: 'utf8', env });
    expect(tty.status).toBe(0);
    const updates = tty.stderr.split('\r').filter((u) => u.startsWith('ingest ['));
    expect(updates.map((u) => /(\d+)% ([\d,]+) lines, [\d,]+ lines\/s/.exec(u)?.slice(1, 3).map((n) => Number(n.replaceAll(',', ''))))).toEqual([[expect.any(Number), 2_000], [expect.any(Number), 4_000], [expect.any(Number), 5_000], [100, 5_000]]);
    // Lines of one length: 2,000 of 5,000 is 40% of the bytes; 100% is shown once the file is done.
    expect(updates.map((u) => Number(/(\d+)%/.exec(u)![1]))).toEqual([40, 80, 99, 100]);
    const log = spawnSync(process.execPath, args, { encoding: 'utf8', env });
    expect(log.stderr).not.toContain('\r');
    expect(log.stderr).toContain('read 5000 lines: 0 new rows, 5000 already loaded, 0 rejected');
  });

  it('accounts lists the accounts and zones that were loaded, with first and last minute seen and rows', async () => {
    const listed = await cli(['accounts']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^ACCOUNT\s+ZONE\s+LAYER\s+FIRST SEEN\s+LAST SEEN\s+ROWS/);
    expect(listed.stdout).toMatch(/\ning\s+\(account\)\s+L7\s+2026-11-10 10:01Z\s+2026-11-10 10:0\dZ\s+\d/);
    const json = await cli(['accounts', '--account', 'ing-stdin', '--json']);
    expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { accountId: 'ing-stdin', zoneId: '', layer: 'L7', firstSeen: '2026-11-10T10:03:00.000Z', lastSeen: '2026-11-10T10:05:00.000Z', rows: 2 },
    ]);
    expect((await cli(['accounts', '--account', 'bad id'])).code).toBe(2);
    // An account asked for by name and never seen fails, so a script cannot take an empty listing for a checked one.
    const unknown = await cli(['accounts', '--account', 'nobody', '--json']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('account "nobody" has no telemetry in the store');
  });

  // (Few CLI runs per test: each blocks this worker's event loop while it runs.)
  it('a quiet window of a known account is a report; a zone never seen is not', async () => {
    // Known account, nothing in this window: a quiet window, reported.
    const quiet = await cli(['generate', '--account', 'ing', '--from', '2026-01-01', '--to', '2026-01-02', '--format', 'json', '--out', outDir]);
    expect(quiet.code, quiet.stderr).toBe(0);
    const zone = await cli(['generate', '--account', 'ing', '--zone', 'shop', '--from', '2026-01-01', '--to', '2026-01-02', '--format', 'json', '--out', outDir]);
    expect(zone.code).toBe(1);
    expect(zone.stderr).toContain('zone "shop" of account "ing" has no telemetry at all');
  });

  it('config check warns about a customer whose account has no telemetry at all, and still exits 0', async () => {
    const customer = (id: string, accountId: string) => ({
      id, name: id, accountId, timezone: 'UTC', allowedDomains: ['example.com'], recipients: ['soc@example.com'], schedules: [],
    });
    const config = path.join(outDir, 'check.yaml');
    fs.writeFileSync(config, JSON.stringify({ clickhouse: { dataDir }, worker: { stateDir: path.join(outDir, 'state') }, customers: [customer('ing', 'ing'), customer('ghost', 'nobody')] }));
    const r = await cli(['config', 'check', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: customers[1] (ghost): account "nobody" has no telemetry at all');
    expect(r.stderr).toContain('its scheduled runs will be held');
    expect(r.stderr).not.toContain('(ing):');
    expect(r.stderr).toContain('1 warning(s); warnings do not change the exit code (0)');
  });

  it('config check without a store to look into says so, exits 0 and creates no directory for it', async () => {
    const customer = { id: 'ghost', name: 'ghost', accountId: 'nobody', timezone: 'UTC', allowedDomains: ['example.com'], recipients: ['soc@example.com'], schedules: [] };
    const config = path.join(outDir, 'check-nostore.yaml');
    const elsewhere = path.join(outDir, 'no-store');
    fs.writeFileSync(config, JSON.stringify({ clickhouse: { dataDir: elsewhere }, worker: { stateDir: path.join(outDir, 'state') }, customers: [customer] }));
    const unchecked = await cli(['config', 'check', '--config', config]);
    expect(unchecked.code).toBe(0);
    expect(unchecked.stderr).toContain(`note: accounts not checked for telemetry: there is no embedded-engine data directory at ${elsewhere}`);
    expect(fs.existsSync(elsewhere)).toBe(false);
  });

  it.each([
    [['ingest', '--account', 'x', 'f.ndjson'], /--format ndjson needs --dataset/],
    [['ingest', '--dataset', 'dns_logs', '--account', 'x', 'f.ndjson'], /--dataset "dns_logs" is not one of network_analytics_logs, firewall_events, http_requests/],
    [['ingest', '--format', 'csv', '--account', 'x', 'f.csv'], /--format csv needs --mapping/],
    [['ingest', '--dataset', 'firewall_events', '--account', 'x', '/nonexistent/f.ndjson'], /input file \/nonexistent\/f\.ndjson does not exist/],
  ])('%j exits 2 and says why', (args, expected) => {
    const r = run(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(expected);
  });
});

import { spawn, spawnSync } from 'node:child_process';
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
 * `run` without blocking this worker's event loop: a file of synchronous CLI runs starves vitest's own messages
 * on a loaded machine ("Timeout calling onTaskUpdate").
 */
function runAsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ATTACK_REPORT_DATA_DIR: dataDir, CLICKHOUSE_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
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
  ])('%j', (args, message) => {
    const r = run(args);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('rejects a malformed CLICKHOUSE_URL with exit 2', () => {
    const r = run(['db', 'migrate'], { CLICKHOUSE_URL: 'ftp://example' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CLICKHOUSE_URL: must be an http/);
  });
});

describe('CLI runtime behaviour', () => {
  it('--help exits 0 and documents commands, environment and exit codes', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['generate', 'demo', 'seed', 'db', 'CLICKHOUSE_URL', 'Exit codes']) expect(r.stdout).toContain(word);
    const g = run(['generate', '--help']);
    expect(g.code).toBe(0);
    expect(g.stdout).toContain('--last <duration>');
  });

  it('an unreachable CLICKHOUSE_URL exits 1, names the URL and never prints the password', () => {
    const r = run(['generate', '--account', 'acme', '--last', '1d', '--format', 'json', '--out', outDir], {
      CLICKHOUSE_URL: 'http://reporter:s3cret-pw@127.0.0.1:1/',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('127.0.0.1:1');
    expect(r.stderr).not.toContain('s3cret-pw');
  });

  it('an account with no telemetry at all exits 1, names it and says how to list the known accounts; nothing is written', async () => {
    const before = fs.readdirSync(outDir);
    const r = await runAsync(['generate', '--account', 'nobody', '--from', '2026-01-01', '--to', '2026-01-02', '--format', 'json', '--out', outDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('account "nobody" has no telemetry at all');
    expect(r.stderr).toContain('attack-report accounts');
    expect(r.stderr).toContain('--allow-empty');
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(outDir)).toEqual(before);
  });

  it('with --allow-empty, an account with no telemetry gets a report that says no data was seen, exit 0', async () => {
    const r = await runAsync(['generate', '--account', 'nobody', '--from', '2026-01-01', '--to', '2026-01-02', '--format', 'json', '--out', outDir, '--allow-empty']);
    expect(r.stderr).toMatch(/No data was seen for account nobody/);
    expect(r.code).toBe(0);
    const file = r.stdout.trim();
    expect(file.endsWith('.json')).toBe(true);
    const model = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(model.attacks).toEqual([]);
    expect(model.window).toMatchObject({ from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z', timezone: 'UTC' });
  });

  it('an output directory that cannot be created exits 1 and names it', () => {
    const file = path.join(outDir, 'a-file');
    fs.writeFileSync(file, 'x');
    const bad = path.join(file, 'reports');
    const r = run(['generate', '--account', 'nobody', '--allow-empty', '--last', '1h', '--format', 'json', '--out', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot create the output directory ${bad}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a PUPPETEER_EXECUTABLE_PATH that does not exist exits 1 and says so', () => {
    const r = run(['generate', '--account', 'nobody', '--allow-empty', '--last', '1h', '--format', 'pdf', '--out', outDir], { PUPPETEER_EXECUTABLE_PATH: '/nonexistent/chrome' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/PUPPETEER_EXECUTABLE_PATH points to \/nonexistent\/chrome, which does not exist/);
    expect(fs.readdirSync(outDir).filter((f) => f.endsWith('.pdf'))).toEqual([]);
  });

  it('db migrate is idempotent', () => {
    const r = run(['db', 'migrate']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/0 migration\(s\) applied, \d+ already in place/);
  });
});

describe('ingest command', () => {
  const file = path.join(outDir, 'mixed.ndjson');
  const rejects = path.join(outDir, 'rejects.ndjson');
  const good = (i: number) => JSON.stringify({ Datetime: `2026-11-10T10:0${i}:00Z`, Action: 'block', Source: 'waf', ClientIP: '192.0.2.1' });
  fs.writeFileSync(file, [good(1), '{"Datetime": "not a time"}', good(2)].join('\n'));

  it('loads the good lines, lists the bad one with its line, and exits 1 above --max-reject-share', () => {
    const r = run(['ingest', '--dataset', 'firewall_events', '--account', 'ing', '--rejects', rejects, file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('read 3 lines, inserted 2, rejected 1');
    expect(r.stderr).toContain('above --max-reject-share 1%; the valid lines were loaded');
    expect(JSON.parse(fs.readFileSync(rejects, 'utf8').trim())).toMatchObject({ line: 2, reason: expect.stringContaining('Datetime "not a time"') });
    const tolerant = run(['ingest', '--dataset', 'firewall_events', '--account', 'ing', '--rejects', rejects, '--max-reject-share', '50%', file]);
    expect(tolerant.code).toBe(0);
  });

  it('reads standard input with -', () => {
    const r = spawnSync(process.execPath, [BIN, 'ingest', '--dataset', 'firewall_events', '--account', 'ing-stdin', '--rejects', rejects, '-'], {
      encoding: 'utf8', input: `${good(3)}\n${good(4)}\n`, env: { ...process.env, ATTACK_REPORT_DATA_DIR: dataDir, CLICKHOUSE_URL: '' },
    });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('read 2 lines, inserted 2, rejected 0');
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
    expect(log.stderr).toContain('read 5000 lines, inserted 5000, rejected 0');
  });

  it('accounts lists the accounts and zones that were loaded, with first and last minute seen and rows', async () => {
    const listed = await runAsync(['accounts']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^ACCOUNT\s+ZONE\s+LAYER\s+FIRST SEEN\s+LAST SEEN\s+ROWS/);
    expect(listed.stdout).toMatch(/\ning\s+\(account\)\s+L7\s+2026-11-10 10:01Z\s+2026-11-10 10:0\dZ\s+\d/);
    const json = await runAsync(['accounts', '--account', 'ing-stdin', '--json']);
    expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { accountId: 'ing-stdin', zoneId: '', layer: 'L7', firstSeen: '2026-11-10T10:03:00.000Z', lastSeen: '2026-11-10T10:05:00.000Z', rows: 2 },
    ]);
    expect((await runAsync(['accounts', '--account', 'bad id'])).code).toBe(2);
  });

  // (Few CLI runs per test: each blocks this worker's event loop while it runs.)
  it('a quiet window of a known account is a report; a zone never seen is not', async () => {
    // Known account, nothing in this window: a quiet window, reported.
    const quiet = await runAsync(['generate', '--account', 'ing', '--from', '2026-01-01', '--to', '2026-01-02', '--format', 'json', '--out', outDir]);
    expect(quiet.code, quiet.stderr).toBe(0);
    const zone = await runAsync(['generate', '--account', 'ing', '--zone', 'shop', '--from', '2026-01-01', '--to', '2026-01-02', '--format', 'json', '--out', outDir]);
    expect(zone.code).toBe(1);
    expect(zone.stderr).toContain('zone "shop" of account "ing" has no telemetry at all');
  });

  it('config check warns about a customer whose account has no telemetry at all, and still exits 0', async () => {
    const customer = (id: string, accountId: string) => ({
      id, name: id, accountId, timezone: 'UTC', allowedDomains: ['example.com'], recipients: ['soc@example.com'], schedules: [],
    });
    const config = path.join(outDir, 'check.yaml');
    fs.writeFileSync(config, JSON.stringify({ clickhouse: { dataDir }, worker: { stateDir: path.join(outDir, 'state') }, customers: [customer('ing', 'ing'), customer('ghost', 'nobody')] }));
    const r = await runAsync(['config', 'check', '--config', config]);
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
    const unchecked = await runAsync(['config', 'check', '--config', config]);
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

/**
 * Outages of the ClickHouse server, each made by killing a real server (the engine chDB ships, served by
 * LocalServer) with SIGKILL while the product is using it: a `generate` fails naming the server and leaves no
 * file; an `ingest` run again after the server is back completes the load with no row counted twice, in the
 * raw table and in every rollup; a scheduled run while the server is down fails with its reason and later
 * succeeds with each email sent once; a continuous worker outlives the death of the server it serves.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { freePort, LocalServer, type ServerEvent } from '../src/clickhouse/local-server.js';
import { discoveryPath } from '../src/clickhouse/discovery.js';
import type { RunRecord } from '../src/scheduler/ledger.js';
import { processAlive } from '../src/util/process.js';
import { cli, sql, startCli, telemetryQueryRunning, waitFor } from './helpers/outage.js';
import { startSmtp, type TestSmtp } from './helpers/smtp.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-outages-'));
/** Two days of demo telemetry (accounts acme, globex, initech), written in-process before any server serves it. */
const seeded = path.join(root, 'seeded');
const servers: LocalServer[] = [];

beforeAll(async () => {
  const r = await cli(['--data-dir', seeded, 'seed', '--seed', '3', '--scale', '0.005', '--days', '2', '--history-days', '0']);
  if (r.code !== 0) throw new Error(`seed failed: ${r.stderr}`);
}, 60_000);

// Each test's servers end with it: the next one may serve the same data directory.
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop().catch(() => undefined);
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A server on `dataDir` owned by this process, not announced: the CLI reaches it through CLICKHOUSE_URL. */
async function serve(dataDir: string, events: ServerEvent[] = [], httpPort?: number): Promise<LocalServer> {
  const server = await LocalServer.start({ dataDir, announce: false, onEvent: (e) => events.push(e), ...(httpPort ? { httpPort } : {}) });
  servers.push(server);
  return server;
}

/** Kills the server's process with SIGKILL and keeps it dead: stop() ends the owner's restarts. */
async function killForGood(server: LocalServer): Promise<void> {
  process.kill(server.pid!, 'SIGKILL');
  await server.stop();
}

describe('a server killed in the middle of a generate', () => {
  it('exits 1 naming the server, and leaves no report file, whole or partial, in --out', async () => {
    const server = await serve(seeded);
    const out = path.join(root, 'generate-out');
    const run = startCli(['generate', '--account', 'acme', '--last', '2d', '--format', 'pdf,html,json', '--out', out], { CLICKHOUSE_URL: server.url });
    // Killed once a report query of this generate is running on the server: the report is half-queried.
    await waitFor('a report query on the server', () => telemetryQueryRunning(server.url), 60_000, 5);
    await killForGood(server);
    const r = await run.done;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`ClickHouse server ${server.url}`);
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(out)).toEqual([]);

    // The server still down: a URL with a password is named without it.
    const withPassword = server.url.replace('http://', 'http://reporter:s3cret-pw@');
    const again = await cli(['generate', '--account', 'acme', '--last', '2d', '--format', 'json', '--out', out], { CLICKHOUSE_URL: withPassword });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`ClickHouse server ${server.url.replace('http://', 'http://reporter:***@')}`);
    expect(again.stderr).not.toContain('s3cret-pw');
    expect(fs.readdirSync(out)).toEqual([]);
  }, 60_000);
});

/** `n` Network Analytics lines over six hours, half of them attack traffic, of varied ports, addresses, colos and networks. */
function networkExport(n: number): string {
  const start = Date.UTC(2026, 10, 20, 6);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(JSON.stringify({
      Datetime: new Date(start + Math.floor((i * 6 * 3_600_000) / n)).toISOString(),
      SampleInterval: 1 + (i % 7) * 100,
      AttackVector: i % 2 ? 'DNS Amplification' : '',
      AttackID: i % 2 ? `atk-${i % 3}` : '',
      Outcome: i % 5 ? 'drop' : 'pass',
      IPSourceAddress: `198.51.${i % 200}.${i % 251}`,
      IPDestinationAddress: `203.0.113.${i % 17}`,
      IPProtocol: 17, IPProtocolName: 'udp', IPTotalLength: 64 + (i % 1400), IPTTL: 30 + (i % 200),
      SourcePort: 53, DestinationPort: 1024 + (i % 5000),
      ColoCode: ['FRA', 'LIS', 'SJC'][i % 3], ColoCountry: ['DE', 'PT', 'US'][i % 3],
      SourceASN: 64500 + (i % 9), SourceASNDescription: `AS-${i % 9}`, SourceCountry: ['BR', 'VN', 'US'][i % 3],
    }));
  }
  return `${lines.join('\n')}\n`;
}

describe('a server killed in the middle of an ingest', () => {
  it('the same ingest run again once the server is back completes the load, no row counted twice in the raw table or any rollup', async () => {
    const LINES = 16_000;
    const file = path.join(root, 'export.ndjson');
    fs.writeFileSync(file, networkExport(LINES));
    const events: ServerEvent[] = [];
    // The seeded directory (migrated already), another account. This server is restarted by its owner (this
    // process) after the kill, as the worker's would be.
    const server = await serve(seeded, events);
    const args = ['ingest', '--dataset', 'network_analytics_logs', '--account', 'outage', '--batch-rows', '4000', '--rejects', path.join(root, 'rejects.ndjson'), file];
    const env = { CLICKHOUSE_URL: server.url };
    const raw = async () => (await sql<{ n: number }>(server.url, "SELECT count() AS n FROM ddos.net_samples WHERE AccountID = 'outage'"))[0]!.n;
    const run = startCli(args, env);
    await waitFor('the first chunk in the table', async () => (await raw().catch(() => 0)) > 0, 60_000, 10);
    process.kill(server.pid!, 'SIGKILL');
    const first = await run.done;
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toContain(`ClickHouse server ${server.url}`);
    await waitFor('the server restarted', () => events.some((e) => e.kind === 'restarted'));
    const before = await raw();
    // Cut part-way: some chunks in, not all.
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(LINES);

    const second = await cli(args, env);
    expect(second.code, second.stderr).toBe(0);
    // The chunks loaded before the kill are recognised as loaded; only the rest is new.
    expect(second.stderr).toContain(`read ${LINES} lines: ${LINES - before} new rows, ${before} already loaded, 0 rejected`);

    const [truth] = await sql<{ n: number; packets: number; attack: number }>(server.url,
      "SELECT count() AS n, sum(Packets) AS packets, sumIf(Packets, AttackVector != '') AS attack FROM ddos.net_samples WHERE AccountID = 'outage'");
    expect(truth!.n).toBe(LINES);
    // Independent of the product: the file's own packet total (SampleInterval packets per line).
    const filePackets = fs.readFileSync(file, 'utf8').trim().split('\n').reduce((s, l) => s + (JSON.parse(l) as { SampleInterval: number }).SampleInterval, 0);
    expect(truth!.packets).toBe(filePackets);
    const rollups = await sql<{ name: string; packets: number; samples: number }>(server.url, `
      SELECT 'net_1m' AS name, sum(Packets) AS packets, sum(Samples) AS samples FROM ddos.net_1m WHERE AccountID = 'outage'
      UNION ALL SELECT 'net_sig_1h', sum(Packets), 0 FROM ddos.net_sig_1h WHERE AccountID = 'outage'
      UNION ALL SELECT 'net_sig_1d', sum(Packets), 0 FROM ddos.net_sig_1d WHERE AccountID = 'outage'
      UNION ALL SELECT concat('net_dims_1h ', Dimension), sum(Packets), 0 FROM ddos.net_dims_1h WHERE AccountID = 'outage' GROUP BY Dimension
      UNION ALL SELECT concat('net_src_1h ', Dimension), sum(Packets), 0 FROM ddos.net_src_1h WHERE AccountID = 'outage' GROUP BY Dimension`);
    const got = Object.fromEntries(rollups.map((r) => [r.name, r.name === 'net_1m' ? [r.packets, r.samples] : r.packets]));
    expect(got).toEqual({
      net_1m: [truth!.packets, LINES],
      net_sig_1h: truth!.packets,
      net_sig_1d: truth!.packets,
      // Attack traffic only.
      'net_dims_1h ip': truth!.attack, 'net_dims_1h port': truth!.attack, 'net_dims_1h colo': truth!.attack, 'net_dims_1h asn': truth!.attack,
      'net_src_1h colo': truth!.packets, 'net_src_1h country': truth!.packets, 'net_src_1h asn': truth!.packets,
    });
  }, 90_000);
});

const RECIPIENTS = ['soc@acme.example', 'ciso@acme.example'];
const iso = (t: number) => new Date(t).toISOString();
// The latest 06:00 UTC at least an hour ago, its day and the one before it seeded: `--now` ticks after it are in the past.
const today6 = (() => {
  const d = new Date(Date.now() - 3_600_000);
  d.setUTCHours(6, 0, 0, 0);
  return d.getTime() > Date.now() - 3_600_000 ? d.getTime() - 86_400_000 : d.getTime();
})();

let configs = 0;
/** A configuration with one customer (account acme), a fresh state directory, and runs retried at once. */
function workerConfig(smtpPort: number, clickhouse: object, schedule: object): { file: string; stateDir: string } {
  const dir = path.join(root, `worker-${++configs}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'config.yaml');
  fs.writeFileSync(file, stringify({
    clickhouse,
    smtp: { host: '127.0.0.1', port: smtpPort, from: 'Reports <reports@provider.example>', retries: { attempts: 2, minDelayMs: 20, maxDelayMs: 50 } },
    output: { dir: 'archive' },
    worker: { stateDir: 'state', retryAfterMinutes: 0, dataDelayMinutes: 0 },
    customers: [{ id: 'acme', name: 'Acme Retail', accountId: 'acme', timezone: 'UTC', allowedDomains: ['acme.example'], recipients: RECIPIENTS, schedules: [schedule] }],
  }));
  return { file, stateDir: path.join(dir, 'state') };
}

function runs(stateDir: string): RunRecord[] {
  const dir = path.join(stateDir, 'runs');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as RunRecord);
}

const perRecipient = (smtp: TestSmtp) => Object.fromEntries(RECIPIENTS.map((r) => [r, smtp.received.filter((m) => m.to.includes(r)).length]));

async function withSmtp(fn: (smtp: TestSmtp) => Promise<void>): Promise<void> {
  const smtp = await startSmtp();
  try {
    await fn(smtp);
  } finally {
    await smtp.close();
  }
}

describe('a scheduled run while the server is down', () => {
  it('fails with the reason naming the server, then, the server back, succeeds with each email sent exactly once', () => withSmtp(async (smtp) => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const { file, stateDir } = workerConfig(smtp.port, { url }, { name: 'daily', cron: '0 6 * * *', window: 'previous-day', formats: ['json'] });
    const tickAt = (ms: number) => cli(['worker', '--config', file, '--once', '--now', iso(ms)]);

    const down = await tickAt(today6 + 60_000);
    expect(down.code, down.stderr).toBe(1);
    const [failed] = runs(stateDir);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed!.reason).toContain(`ClickHouse server ${url}`);
    expect(failed!.reason).toContain('ECONNREFUSED');
    expect(down.stderr).toContain(failed!.reason);
    expect(smtp.arrivals).toBe(0);

    await serve(seeded, [], port);
    const up = await tickAt(today6 + 2 * 60_000);
    expect(up.code, up.stderr + up.stdout).toBe(0);
    expect(runs(stateDir)).toMatchObject([{ id: failed!.id, status: 'succeeded', attempts: 2 }]);
    expect(perRecipient(smtp)).toEqual({ 'soc@acme.example': 1, 'ciso@acme.example': 1 });
    expect(smtp.arrivals).toBe(2);
  }), 90_000);
});

interface LogLine { msg: string; [k: string]: unknown }

describe('a continuous worker serving its data directory', () => {
  it('outlives the death of its server: logs the death and the restart, retries the run the kill failed, and other processes use the restarted server', () => withSmtp(async (smtp) => {
    // One firing two minutes ago: the worker's first tick produces it (a firing under 5 minutes old is due).
    const fired = new Date(Date.now() - 2 * 60_000);
    const schedule = { name: 'daily', cron: `${fired.getUTCMinutes()} ${fired.getUTCHours()} * * *`, window: 'last-24h', formats: ['json'] };
    const { file, stateDir } = workerConfig(smtp.port, { dataDir: seeded }, schedule);
    const worker = startCli(['worker', '--config', file], {}, 120_000);
    const logs = () => worker.out.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
    const line = (msg: string, extra: (l: LogLine) => boolean = () => true) => () => logs().find((l) => l.msg === msg && extra(l));
    try {
      const started = await waitFor('the worker\'s server to start', line('local ClickHouse server started'));
      const url = started.server as string;
      // Killed while a query of the run is running on it.
      await waitFor('a query of the run on the server', () => telemetryQueryRunning(url), 60_000, 5);
      process.kill(started.serverPid as number, 'SIGKILL');

      const failed = await waitFor('the run to fail', line('run failed'));
      expect(failed.err).toContain(`local ClickHouse server ${url}`);
      const died = await waitFor('the death logged', line('local ClickHouse server died; restarting it'));
      expect(died.reason).toContain('SIGKILL');
      const restarted = await waitFor('the restart logged', line('local ClickHouse server restarted'));
      expect(restarted.server).toBe(url);
      expect(restarted.serverPid).not.toBe(started.serverPid);
      // Retried as soon as the server is back, not at the next minute.
      const finished = await waitFor('the run retried to success', line('run finished', (l) => l.status === 'succeeded'), 60_000);
      expect(finished.runId).toBe(failed.runId);
      // At least two attempts: a minute's tick may also have tried it while the server was still restarting.
      const ledger = runs(stateDir);
      expect(ledger, JSON.stringify(ledger)).toMatchObject([{ id: failed.runId, status: 'succeeded' }]);
      expect(ledger[0]!.attempts, JSON.stringify(ledger)).toBeGreaterThanOrEqual(2);
      expect(perRecipient(smtp)).toEqual({ 'soc@acme.example': 1, 'ciso@acme.example': 1 });
      expect(worker.child.exitCode).toBeNull();

      // Another process on the same data directory finds the restarted server and uses it.
      const out = path.join(root, 'after-restart');
      const g = await cli(['--data-dir', seeded, 'generate', '--account', 'acme', '--last', '24h', '--format', 'json', '--out', out]);
      expect(g.code, g.stderr).toBe(0);
      expect(fs.readdirSync(out)).toHaveLength(1);

      worker.child.kill('SIGTERM');
      expect((await worker.done).code).toBe(0);
      // Its server ended with it.
      expect(fs.existsSync(discoveryPath(seeded))).toBe(false);
      expect(processAlive(restarted.serverPid as number)).toBe(false);
    } finally {
      worker.child.kill('SIGKILL');
    }
  }), 120_000);
});

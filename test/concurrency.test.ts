/**
 * One store for every process: with the worker running on the default data directory (it serves it), an
 * on-demand `generate`, an `ingest` and `runs` work at the same time as the worker's own scheduled run, and what
 * each wrote or read is checked against independent SQL on the same store.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { connect, toNumber } from '../src/clickhouse/client.js';
import { DISCOVERY_FILE, readDiscovery } from '../src/clickhouse/discovery.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';
import { processAlive } from '../src/util/process.js';
import { startSmtp, type TestSmtp } from './helpers/smtp.js';

const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-concurrency-'));
// The default data directory (./data/clickhouse) of commands run in `work` with no flag or variable naming one.
const dataDir = path.join(work, 'data', 'clickhouse');
const env: NodeJS.ProcessEnv = { ...process.env, CLICKHOUSE_URL: '' };
delete env.ATTACK_REPORT_DATA_DIR;

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  return new Promise((resolve) => child.once('exit', (code) => {
    clearTimeout(timer);
    resolve({ code, stdout, stderr });
  }));
}

async function until(what: string, check: () => boolean, ms = 90_000): Promise<void> {
  for (const deadline = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

// The latest 06:00 UTC at least an hour ago, so that `--now` a minute after it is in the past.
const today6 = (() => {
  const d = new Date(Date.now() - 3_600_000);
  d.setUTCHours(6, 0, 0, 0);
  return d.getTime() > Date.now() - 3_600_000 ? d.getTime() - 86_400_000 : d.getTime();
})();

let smtp: TestSmtp;

beforeAll(async () => {
  smtp = await startSmtp();
  const seeded = await cli(['seed', '--seed', '11', '--scale', '0.005', '--days', '4', '--history-days', '0']);
  if (seeded.code !== 0) throw new Error(`seed failed: ${seeded.stderr}`);
}, 180_000);

afterAll(async () => {
  await smtp.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('several processes on one default data directory', () => {
  it('with the worker running, generate, ingest and runs succeed at the same time as its scheduled run', async () => {
    const config = path.join(work, 'config.yaml');
    fs.writeFileSync(config, stringify({
      smtp: { host: '127.0.0.1', port: smtp.port, from: 'Reports <reports@provider.example>' },
      output: { dir: 'archive' },
      worker: { stateDir: 'state', retryAfterMinutes: 0 },
      customers: [{
        id: 'acme', name: 'Acme Retail', accountId: 'acme', timezone: 'UTC', allowedDomains: ['acme.example'], recipients: ['soc@acme.example'],
        // Fired a minute before the worker's clock (--now): the worker is busy with it while the others run.
        schedules: [{ name: 'daily', cron: '0 6 * * *', window: 'previous-day', misfire: 'catch-up' }],
      }],
    }));
    const worker = spawn(process.execPath, [BIN, 'worker', '--config', config, '--now', new Date(today6 + 60_000).toISOString()], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    worker.stdout.on('data', (d: Buffer) => (log += d.toString()));
    worker.stderr.on('data', (d: Buffer) => (log += d.toString()));
    try {
      await until('the worker to serve its data directory', () => log.includes('local ClickHouse server started') && readDiscovery(dataDir) !== undefined);
      const served = readDiscovery(dataDir)!;
      expect(served.ownerPid).toBe(worker.pid);
      expect((fs.statSync(path.join(dataDir, DISCOVERY_FILE)).mode & 0o777).toString(8)).toBe('600');

      const to = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
      const from = new Date(to.getTime() - 2 * 86_400_000);
      const lines = Array.from({ length: 300 }, (_, i) =>
        JSON.stringify({ Datetime: `2026-11-20T10:${String(i % 60).padStart(2, '0')}:00Z`, Action: 'block', Source: 'waf', ClientIP: '192.0.2.9', RayID: `c${i}` }));
      const input = path.join(work, 'events.ndjson');
      fs.writeFileSync(input, `${lines.join('\n')}\n`);

      const [generated, ingested, listed] = await Promise.all([
        cli(['generate', '--account', 'acme', '--from', from.toISOString(), '--to', to.toISOString(), '--format', 'json', '--out', 'reports']),
        cli(['ingest', '--dataset', 'firewall_events', '--account', 'newco', input]),
        cli(['runs', '--config', config]),
      ]);
      expect(generated.code, generated.stderr).toBe(0);
      expect(ingested.code, ingested.stderr).toBe(0);
      expect(listed.code, listed.stderr).toBe(0);
      expect(ingested.stderr).toContain('300 new rows');
      expect(listed.stdout).toMatch(/^run\s+status/);
      for (const out of [generated.stderr, ingested.stderr]) expect(out).not.toMatch(/Cannot lock file|cannot open the embedded/);

      // Independent SQL, through the same served store (connect finds the worker's server).
      const target = await connect({ env: {}, dataDir });
      try {
        expect(target.embedded).toBe(false);
        expect(target.description).toContain(served.url);
        const one = async (query: string, params: Record<string, unknown>) =>
          (await (await target.client.query({ query, query_params: params, format: 'JSONEachRow' })).json<Record<string, unknown>>())[0]!;
        const raw = await one(
          'SELECT sum(Packets) AS packets, sum(Bytes) AS bytes FROM ddos.net_samples WHERE AccountID = {a:String} AND Datetime >= {f:DateTime64(3)} AND Datetime < {t:DateTime64(3)}',
          { a: 'acme', f: from.getTime() / 1000, t: to.getTime() / 1000 },
        );
        const report = JSON.parse(fs.readFileSync(path.resolve(work, generated.stdout.trim()), 'utf8')) as { totals: { l34: { packets: number; bytes: number } } };
        expect(report.totals.l34.packets).toBe(toNumber(raw.packets));
        expect(report.totals.l34.bytes).toBe(toNumber(raw.bytes));
        expect(toNumber(raw.packets)).toBeGreaterThan(0);
        expect(toNumber((await one("SELECT count() AS n FROM ddos.l7_events WHERE AccountID = 'newco'", {})).n)).toBe(300);
      } finally {
        await target.client.close();
      }

      // The worker's own run went through meanwhile.
      await until('the scheduled report to be emailed', () => smtp.received.length >= 1, 120_000).catch((err: Error) => {
        throw new Error(`${err.message}; worker log:\n${log}`);
      });
      expect(smtp.received.map((m) => m.to)).toEqual([['soc@acme.example']]);
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => (worker.exitCode !== null ? r(null) : worker.once('exit', r)));
    }
    expect(worker.exitCode, log).toBe(0);
    // Stopped with its owner: no discovery file, no server process.
    expect(fs.existsSync(path.join(dataDir, DISCOVERY_FILE))).toBe(false);
    const lastPid = Number(/"serverPid":(\d+)/.exec(log)?.[1]);
    expect(lastPid).toBeGreaterThan(0);
    await until('the server process to end', () => !processAlive(lastPid), 15_000);
  }, 300_000);
});

/**
 * A real `attack-report serve` for tests: a seeded embedded store, a configuration with two customers, tokens
 * made through the CLI, and the server as a separate process found at the address it prints.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

export const BIN = path.join(PACKAGE_ROOT, 'bin', 'attack-report.js');

export interface WebFixture {
  root: string;
  dataDir: string;
  configFile: string;
  stateDir: string;
  archiveDir: string;
}

/** A data directory seeded once (7 days, small scale) and a configuration for acme and globex around it. */
export function webFixture(opts: { smtpPort?: number; web?: Record<string, unknown>; seed?: boolean } = {}): WebFixture {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-web-'));
  const dataDir = path.join(root, 'clickhouse');
  if (opts.seed !== false) {
    const r = spawnSync(process.execPath, [BIN, '--data-dir', dataDir, 'seed', '--seed', '5', '--scale', '0.005', '--days', '7', '--history-days', '0'], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`seed failed: ${r.stderr}`);
  }
  const stateDir = path.join(root, 'state');
  const archiveDir = path.join(root, 'archive');
  const configFile = path.join(root, 'config.yaml');
  const config = {
    clickhouse: { dataDir },
    smtp: { host: '127.0.0.1', port: opts.smtpPort ?? 1, from: 'Reports <reports@provider.example>', retries: { attempts: 1, minDelayMs: 0, maxDelayMs: 0 } },
    output: { dir: archiveDir },
    worker: { stateDir },
    web: { port: 0, ...(opts.web ?? {}) },
    customers: [
      {
        id: 'acme', name: 'Acme Retail', accountId: 'acme', timezone: 'Europe/Lisbon', allowedDomains: ['acme.example'], recipients: ['soc@acme.example'],
        schedules: [{ name: 'daily', preset: 'daily' }],
      },
      {
        id: 'globex', name: 'Globex', accountId: 'globex', timezone: 'America/New_York', allowedDomains: ['globex.example'], recipients: ['noc@globex.example'],
        schedules: [{ name: 'nightly', cron: '30 7 * * *', window: 'previous-day' }],
      },
    ],
  };
  fs.writeFileSync(configFile, stringify(config));
  return { root, dataDir, configFile, stateDir, archiveDir };
}

export function cli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 180_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI without blocking this process: needed when a server of this process (the test SMTP server) must answer it. */
export function cliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Creates a token through the CLI and returns it. */
export function makeToken(f: WebFixture, name: string, scopes: string, customers: string[] = []): string {
  const r = cli(['tokens', 'create', '--config', f.configFile, '--name', name, '--scope', scopes, ...customers.flatMap((c) => ['--customer', c])]);
  if (r.status !== 0) throw new Error(`tokens create failed: ${r.stderr}`);
  return r.stdout.trim();
}

export interface RunningServer {
  url: string;
  child: ChildProcess;
  /** Everything the server logged on stdout so far (JSON lines). */
  logs(): Record<string, unknown>[];
  stop(): Promise<number | null>;
}

export async function startServer(f: WebFixture, extraArgs: string[] = []): Promise<RunningServer> {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', f.configFile, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in 60 s: ${err}`)), 60_000);
    child.stderr!.on('data', () => {
      const m = /serving the web app and API at (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return {
    url, child,
    logs: () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    }),
  };
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json<T = Record<string, unknown>>(): T;
  text(): string;
}

/** One HTTP request over a real socket; `localAddress` picks the client's loopback address (127.0.0.x). */
export function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | object; localAddress?: string } = {}): Promise<HttpAnswer> {
  const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body: b, text: () => b.toString('utf8'), json: <T>() => JSON.parse(b.toString('utf8')) as T });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Polls a job until it is finished; returns its last view. */
export async function waitForJob(url: string, token: string, jobId: string, timeoutMs = 120_000): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await request(`${url}/api/v1/reports/${jobId}`, { headers: bearer(token) });
    const job = r.json();
    if (job.state === 'succeeded' || job.state === 'failed') return job;
    if (Date.now() > until) throw new Error(`job ${jobId} still ${String(job.state)} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

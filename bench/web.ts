/**
 * The web API part of `npm run bench` (issue 14): one fixed 7-day PDF report of one account asked of
 * `attack-report serve` over HTTP, first by one user alone, then by 4 users at once, beside the CLI's time for the
 * same report. The server is a separate process on the bench's data directory, which it serves as a local
 * ClickHouse server as in production; the CLI, run while it is up, finds that server through the discovery file,
 * so both read the same data through the same server. The server is always stopped with SIGTERM and must exit 0.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { findLocalServer } from '../src/clickhouse/discovery.js';
import { BIN, childEnv, cliGenerate, spawnCli } from './cli.js';
import { ms, percentile, summarize, type Sample } from './stats.js';

const DAY_MS = 86_400_000;
/** Issue 14: 4 users at once, each asking for the same report 5 times in a row. */
export const USERS = 4;
export const PER_USER = 5;
const SINGLE_RUNS = 3;
/** A job's state is polled this often: half of it, on average, is part of every latency measured. */
export const POLL_MS = 100;
/** Two reports at once on 2 cores; a queue that 4 users never fill (a 429 would be retried and counted). */
export const WEB = { concurrency: 2, queue: 16 };
const CUSTOMER = 'acme';
const REQUEST_TIMEOUT_MS = 60_000;
const JOB_TIMEOUT_MS = 300_000;
const STOP_TIMEOUT_MS = 60_000;

export interface WebOptions {
  dataDir: string;
  account: string;
  tz: string;
  /** The end of the seeded data: the report is the 7 days before it. */
  dataEndMs: number;
  /** Scratch directory for the configuration, state, reports and the server's log; emptied first. */
  workDir: string;
  log: (line: string) => void;
}

/** One report through the API, submit → succeeded → PDF downloaded, and the job's own timestamps. */
interface ApiTiming {
  totalMs: number;
  /** createdAt → startedAt: waiting for a free slot of web.concurrency. */
  waitMs: number;
  /** startedAt → finishedAt: the report itself, in the server. */
  runMs: number;
  bytes: number;
  /** 429 answers (queue full) before the job was accepted. */
  refused: number;
}

export interface WebBench {
  measuredAt: string;
  /** The machine's 1-minute load average when the server started and when it stopped. */
  load: [number, number];
  account: string;
  tz: string;
  window: { fromMs: number; toMs: number };
  cli: Sample;
  warmupMs: number;
  single: { total: Sample; run: Sample };
  concurrent: { latencies: number[]; p50: number; p95: number; max: number; wallMs: number; perMinute: number; wait: Sample; run: Sample; refused: number };
  pdfBytes: number;
}

interface JobView {
  id: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  url: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  files: { format: string; url: string; bytes: number }[];
}

const sleep = (msec: number) => new Promise((resolve) => setTimeout(resolve, msec));

async function call(url: string, init: RequestInit, expect: number): Promise<Response> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  if (res.status !== expect && res.status !== 429) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status} (expected ${expect}): ${await res.text()}`);
  return res;
}

async function apiReport(base: string, token: string, body: object): Promise<ApiTiming> {
  const auth = { authorization: `Bearer ${token}` };
  const t0 = performance.now();
  let refused = 0;
  let res: Response;
  for (;;) {
    res = await call(`${base}/api/v1/reports`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) }, 202);
    if (res.status === 202) break;
    // As a client should: come back when the server says. The wait is part of this request's latency.
    refused++;
    await res.arrayBuffer();
    await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
  }
  let job = (await res.json()) as JobView;
  while (job.state === 'queued' || job.state === 'running') {
    if (performance.now() - t0 > JOB_TIMEOUT_MS) throw new Error(`report job ${job.id} still ${job.state} after ${JOB_TIMEOUT_MS / 1000} s`);
    await sleep(POLL_MS);
    const r = await call(`${base}${job.url}`, { headers: auth }, 200);
    if (r.status !== 200) throw new Error(`GET ${job.url} answered ${r.status}: ${await r.text()}`);
    job = (await r.json()) as JobView;
  }
  if (job.state !== 'succeeded') throw new Error(`report job ${job.id} ${job.state}: ${job.error ?? 'no reason given'}`);
  const file = job.files.find((f) => f.format === 'pdf');
  if (!file) throw new Error(`report job ${job.id} succeeded without a pdf file: ${JSON.stringify(job.files)}`);
  const pdf = Buffer.from(await (await call(`${base}${file.url}`, { headers: auth }, 200)).arrayBuffer());
  const totalMs = performance.now() - t0;
  if (pdf.length !== file.bytes || pdf.subarray(0, 5).toString('latin1') !== '%PDF-') {
    throw new Error(`the pdf of job ${job.id} is not the file announced: ${pdf.length} bytes (announced ${file.bytes}), starting ${JSON.stringify(pdf.subarray(0, 5).toString('latin1'))}`);
  }
  const at = (iso: string | undefined) => Date.parse(iso ?? '');
  return { totalMs, waitMs: at(job.startedAt) - at(job.createdAt), runMs: at(job.finishedAt) - at(job.startedAt), bytes: pdf.length, refused };
}

interface Serve {
  url: string;
  stop(): Promise<void>;
}

/** `attack-report serve` as its own process, its JSON log in `logFile`; stop() sends SIGTERM and requires exit 0. */
async function startServe(configFile: string, logFile: string): Promise<Serve> {
  const logFd = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [BIN, 'serve', '--config', configFile], { env: childEnv(), stdio: ['ignore', logFd, 'pipe'] });
  fs.closeSync(logFd);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code !== null ? String(code) : `signal ${signal}`));
    child.once('error', (err) => resolve(`spawn error ${err.message}`));
  });
  // A bench that ends some other way (process.exit) still stops the server.
  const onExit = () => child.kill('SIGTERM');
  process.once('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const how = await exited;
    clearTimeout(kill);
    if (how !== '0') throw new Error(`attack-report serve exited with ${how} on SIGTERM (expected 0); its log: ${logFile}\n${stderr.slice(-2000)}`);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`attack-report serve printed no address in 120 s:\n${stderr}`)), 120_000);
      child.stderr!.on('data', () => {
        const m = /serving the web app and API at (http:\/\/\S+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      void exited.then((how) => {
        clearTimeout(timer);
        reject(new Error(`attack-report serve exited with ${how} before serving; its log: ${logFile}\n${stderr}`));
      });
    });
    return { url, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** No schedules, so no smtp; a rate limit far above the polling, since the queue is what is measured. */
function writeConfig(o: WebOptions): string {
  const file = path.join(o.workDir, 'config.yaml');
  fs.writeFileSync(file, stringify({
    clickhouse: { dataDir: o.dataDir },
    output: { dir: path.join(o.workDir, 'archive') },
    worker: { stateDir: path.join(o.workDir, 'state') },
    web: { port: 0, ...WEB, rateLimitPerMinute: 1_000_000 },
    customers: [{ id: CUSTOMER, name: 'Acme Retail', accountId: o.account, timezone: o.tz, allowedDomains: ['acme.example'], recipients: ['soc@acme.example'] }],
  }));
  return file;
}

/** Runs every user to the end, then fails with the first error if any (no user is left running behind a failure). */
async function allUsers<T>(users: (() => Promise<T>)[]): Promise<T[]> {
  const settled = await Promise.allSettled(users.map((u) => u()));
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

async function measure(base: string, tokens: string[], o: WebOptions, window: WebBench['window']): Promise<Omit<WebBench, 'measuredAt' | 'load' | 'account' | 'tz' | 'window'>> {
  if (!(await findLocalServer(o.dataDir))) throw new Error(`attack-report serve is up but announces no local server in ${o.dataDir}: the CLI would open the directory itself`);
  const body = { customer: CUSTOMER, from: new Date(window.fromMs).toISOString(), to: new Date(window.toMs).toISOString(), formats: ['pdf'] };
  const warmup = await apiReport(base, tokens[0]!, body);
  o.log(`web: warm-up report through the API ${ms(warmup.totalMs)} ms (${warmup.bytes} bytes)`);

  const cli = await cliGenerate('web: CLI beside serve,', { dataDir: o.dataDir, account: o.account, ...window, tz: o.tz, outDir: path.join(o.workDir, 'cli') }, o.log);

  const alone: ApiTiming[] = [];
  for (let i = 0; i < SINGLE_RUNS; i++) {
    alone.push(await apiReport(base, tokens[0]!, body));
    o.log(`web: one user alone ${i + 1}/${SINGLE_RUNS}: ${ms(alone[i]!.totalMs)} ms (report ${ms(alone[i]!.runMs)} ms in the server)`);
  }

  const t0 = performance.now();
  const perUser = await allUsers(tokens.map((token) => async () => {
    const mine: ApiTiming[] = [];
    for (let i = 0; i < PER_USER; i++) mine.push(await apiReport(base, token, body));
    return mine;
  }));
  const wallMs = performance.now() - t0;
  const all = perUser.flat();
  const latencies = all.map((t) => t.totalMs);
  const concurrent = {
    latencies, p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: Math.max(...latencies), wallMs,
    perMinute: (all.length / wallMs) * 60_000, wait: summarize(all.map((t) => t.waitMs)), run: summarize(all.map((t) => t.runMs)),
    refused: all.reduce((n, t) => n + t.refused, 0),
  };
  o.log(`web: ${USERS} users × ${PER_USER}: p50 ${ms(concurrent.p50)} ms, p95 ${ms(concurrent.p95)} ms, max ${ms(concurrent.max)} ms, ` +
    `${concurrent.perMinute.toFixed(1)} reports/min (CLI ${ms(cli.median)} ms)`);
  return {
    cli, warmupMs: warmup.totalMs, pdfBytes: warmup.bytes, concurrent,
    single: { total: summarize(alone.map((t) => t.totalMs)), run: summarize(alone.map((t) => t.runMs)) },
  };
}

/** The whole web part: configuration and tokens, the server up, the measurements, the server stopped. */
export async function measureWeb(o: WebOptions): Promise<WebBench> {
  const window = { fromMs: o.dataEndMs - 7 * DAY_MS, toMs: o.dataEndMs };
  fs.rmSync(o.workDir, { recursive: true, force: true });
  fs.mkdirSync(o.workDir, { recursive: true });
  const configFile = writeConfig(o);
  // One token per user, as separate people would have.
  const tokens: string[] = [];
  for (let i = 1; i <= USERS; i++) {
    tokens.push((await spawnCli(['tokens', 'create', '--config', configFile, '--name', `bench-user-${i}`, '--scope', 'generate'])).stdout.trim());
  }
  const measuredAt = new Date().toISOString();
  const loadStart = os.loadavg()[0]!;
  const serve = await startServe(configFile, path.join(o.workDir, 'serve.log'));
  o.log(`web: attack-report serve at ${serve.url}`);
  let out;
  try {
    out = await measure(serve.url, tokens, o, window);
  } catch (err) {
    await serve.stop().catch((e: unknown) => o.log(`web: ${(e as Error).message}`));
    throw err;
  }
  const loadEnd = os.loadavg()[0]!;
  await serve.stop();
  const result: WebBench = { measuredAt, load: [loadStart, loadEnd], account: o.account, tz: o.tz, window, ...out };
  // The raw figures (every latency) beside the server's log, for a closer look than the section gives.
  fs.writeFileSync(path.join(o.workDir, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

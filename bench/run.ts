/**
 * `npm run bench`: times the attack report of one tenant over a 30-day window on ~20M L3/4 samples and ~4M L7
 * events on both backends of the embedded store, side by side in one run: in-process chDB, then the same data
 * directory served by the local server (LocalServer; the bench process then reaches it over HTTP like any CLI
 * process does). For each: cold (a CLI process), warm (in-process, browser and ClickHouse open), each query and
 * analysis step, a batch of 100 with peak memory (the server's own counted), against a baseline measured in the
 * same run (the same queries alone + a bare Chromium print of the same HTML). Then the same 30-day report over 8×
 * the data (its own directory, seeded once and reused) beside 1×, the ingest, and a 7-day report through the web
 * API (`attack-report serve`) by 1 and 4 users beside the CLI (bench/web.ts), and the same 30-day report over a
 * provider's flow table attached as a source beside the same rows in native tables (bench/source.ts), and a batch
 * of scheduled runs by 1-3 worker processes on each run ledger (bench/ledger.ts). Writes bench/RESULTS.md.
 * Exit 0 whether or not the targets are met; exit 1 on errors.
 *
 * Options (environment): BENCH_DATA_DIR (default bench/out/clickhouse), BENCH_BIG_DATA_DIR (default
 * bench/out/clickhouse-8x), BENCH_INGEST_LINES (default 5,000,000), BENCH_BATCH_SIZE (default 100), BENCH_GROWTH
 * (default 8; with 1 and a copy of the bench directory as BENCH_BIG_DATA_DIR, a quick check of the bench itself),
 * BENCH_ONLY=web (only the web API part, a few minutes: its section replaces the one in bench/RESULTS.md),
 * BENCH_ONLY=source (only the report over a foreign flow table beside native tables, bench/source.ts: its section
 * replaces the one in bench/RESULTS.md; the first run builds its tables, a few minutes more),
 * BENCH_ONLY=ledger (only the batch of scheduled runs by 1-3 workers on the file and the PostgreSQL ledger,
 * bench/ledger.ts, on a small data set of its own: its section replaces the one in bench/RESULTS.md).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type ClickHouseTarget } from '../src/clickhouse/client.js';
import { LocalServer } from '../src/clickhouse/local-server.js';
import { migrate } from '../src/clickhouse/migrate.js';
import { readEnv } from '../src/config/env.js';
import type { ReportRequest } from '../src/report/build.js';
import { resolveWindow } from '../src/report/window.js';
import { launchBrowser } from '../src/render/browser.js';
import { latestSeedRun, seedDemo, type SeedOptions } from '../src/seed/run.js';
import { PACKAGE_ROOT } from '../src/util/paths.js';
import { dataSize, waitForMerges, type DataSize } from './queries.js';
import { batchRequests } from './batch.js';
import { cliGenerate, runCli } from './cli.js';
import { benchIngest } from './ingest.js';
import { measureBackend, measurePaired, measureWarmOnly, peakResident } from './backend.js';
import { resultsMarkdown, type Growth } from './results.js';
import { measureWeb, type WebBench } from './web.js';
import { webSection } from './web-results.js';
import { spliceSection } from './sections.js';
import { measureSource } from './source.js';
import { SOURCE_HEADING, sourceSection } from './source-results.js';
import { ms } from './stats.js';
import { measureLedger } from './ledger.js';
import { LEDGER_HEADING, ledgerSection } from './ledger-results.js';

const ACCOUNT = 'acme';
const TZ = 'Europe/Lisbon';
const SEED = { seed: 7, scale: 4, days: 30 };
const MIN_NET_ROWS = 20_000_000;
/** The growth data set: the same seed at 8× the scale (about 160M L3/4 samples, ~6 GB on disk). */
const GROWTH = Number(process.env.BENCH_GROWTH ?? 8);
/** A batch of 100 reports; three in flight keep 2 cores busier than two (measured in-process: 132 against 123 a minute). */
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 100);
const BATCH_CONCURRENCY = 3;
/** Issue 6: a 5M-line gzip NDJSON export. */
const INGEST_LINES = Number(process.env.BENCH_INGEST_LINES ?? 5_000_000);

const DATA_DIR = path.resolve(PACKAGE_ROOT, process.env.BENCH_DATA_DIR ?? 'bench/out/clickhouse');
const BIG_DATA_DIR = path.resolve(PACKAGE_ROOT, process.env.BENCH_BIG_DATA_DIR ?? 'bench/out/clickhouse-8x');
const OUT_DIR = path.join(PACKAGE_ROOT, 'bench/out/reports');
const WEB_DIR = path.join(PACKAGE_ROOT, 'bench/out/web');
const RESULTS = path.join(PACKAGE_ROOT, 'bench/RESULTS.md');
// The bench always uses its own data directories, never a configured server.
const env = { ...readEnv(), CLICKHOUSE_URL: undefined };
const log = (line: string) => process.stderr.write(`${line}\n`);

async function open(dataDir: string): Promise<ClickHouseTarget> {
  const target = await connect({ env, dataDir });
  await migrate(target);
  return target;
}

interface SeededData { fromMs: number; toMs: number; seededNow: string | null; mergeWaitMs: number; size: DataSize }

/** Reuses the data directory when it already holds the bench seed; seeds it otherwise. */
async function ensureSeed(target: ClickHouseTarget, dataDir: string, opts: SeedOptions, minNetRows: number): Promise<SeededData> {
  const last = await latestSeedRun(target);
  let size = await dataSize(target, ACCOUNT);
  // The run's name carries its end; a window that disagrees with it was written by an older, buggy seeder.
  const sane = last && last.seedRun === `seed-${opts.seed}-${new Date(last.toMs).toISOString()}` && last.toMs - last.fromMs === opts.days * 86_400_000;
  let seeded: Omit<SeededData, 'mergeWaitMs' | 'size'>;
  if (sane && size.netRows >= minNetRows) {
    log(`reusing ${dataDir}: ${last.seedRun}, ${size.netRows.toLocaleString('en')} L3/4 samples`);
    seeded = { fromMs: last.fromMs, toMs: last.toMs, seededNow: null };
  } else {
    log(`seeding ${dataDir} (seed ${opts.seed}, scale ${opts.scale}, ${opts.days} days)…`);
    const r = await seedDemo(target, opts);
    const note = `seeded ${r.netRows.toLocaleString('en')} L3/4 samples and ${r.l7Rows.toLocaleString('en')} L7 events in ${(r.elapsedMs / 1000).toFixed(1)} s`;
    log(note);
    seeded = { fromMs: r.plan.fromMs, toMs: r.plan.toMs, seededNow: note };
  }
  // Parts written by a fresh seed merge for a minute or more and would slow every measurement.
  const mergeWaitMs = await waitForMerges(target);
  if (mergeWaitMs > 2500) log(`waited ${(mergeWaitMs / 1000).toFixed(0)} s for background merges to finish`);
  if (seeded.seededNow) size = await dataSize(target, ACCOUNT);
  return { ...seeded, mergeWaitMs, size };
}

const requestOf = (data: { fromMs: number; toMs: number }): ReportRequest => ({
  accountId: ACCOUNT, zoneIds: [],
  window: resolveWindow({ from: new Date(data.fromMs).toISOString(), to: new Date(data.toMs).toISOString(), tz: TZ }),
});

/** Median of 3 CLI `generate`s of the 30-day PDF report, spawn to exit. */
const coldGenerate = (label: string, req: ReportRequest, outDir: string) =>
  cliGenerate(label, { dataDir: DATA_DIR, account: ACCOUNT, fromMs: req.window.fromMs, toMs: req.window.toMs, tz: TZ, outDir }, log);

/**
 * The 30-day report over 8× the data beside 1×. On the local server, both directories are served at once and
 * the two reports alternate, so that both see the same load; in-process (one engine per process), the 8× report
 * is timed after the 1× phase. The 8× set has its own directory, seeded in-process on the first run (about half
 * an hour) and reused after.
 */
async function measureGrowth(smallReq: ReportRequest): Promise<Omit<Growth, 'base'>> {
  let big = await open(BIG_DATA_DIR);
  let data: SeededData;
  try {
    data = await ensureSeed(big, BIG_DATA_DIR, { ...SEED, scale: SEED.scale * GROWTH }, MIN_NET_ROWS * GROWTH);
  } catch (err) {
    await big.client.close().catch(() => undefined);
    throw err;
  }
  const bigReq = requestOf(data);
  const opts = { env, outDir: path.join(OUT_DIR, 'growth'), log };
  let inProcess;
  try {
    inProcess = await measureWarmOnly(big, bigReq, { ...opts, label: `${GROWTH}× in-process` });
  } finally {
    await big.client.close();
  }
  const servers = await Promise.all([LocalServer.start({ dataDir: DATA_DIR }), LocalServer.start({ dataDir: BIG_DATA_DIR })]);
  try {
    const small = await connect({ env, dataDir: DATA_DIR });
    big = await connect({ env, dataDir: BIG_DATA_DIR });
    try {
      const paired = await measurePaired({ target: small, req: smallReq }, { target: big, req: bigReq }, { ...opts, label: `local server 1× → ${GROWTH}×` });
      return { factor: GROWTH, data, inProcess, served: paired.b, servedBase: paired.a, servedRatio: { warm: paired.warmRatio, built: paired.builtRatio }, diskBytes: directoryBytes(BIG_DATA_DIR) };
    } finally {
      await small.client.close();
      await big.client.close();
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

async function main(): Promise<void> {
  fs.rmSync(OUT_DIR, { recursive: true, force: true });

  // (1) The directory served by the local server, first: this process has not loaded the in-process engine yet,
  // so its memory in the batch is that of a process that only talks to the server (a CLI's or the worker's
  // reports), beside Chromium and the server. This process and the CLI find the server through the discovery
  // file, as every other process on the directory does.
  let t0 = performance.now();
  const server = await LocalServer.start({ dataDir: DATA_DIR });
  const serverStartMs = performance.now() - t0;
  let target: ClickHouseTarget;
  let data: SeededData;
  let served;
  let coldServed;
  let serverRssBytes: number;
  try {
    target = await open(DATA_DIR);
    if (target.embedded) throw new Error(`the bench expected the local server on ${DATA_DIR} and opened the directory in-process`);
    try {
      data = await ensureSeed(target, DATA_DIR, SEED, MIN_NET_ROWS);
      const batch = batchRequests(['acme', 'globex', 'initech'], data.toMs, BATCH_SIZE);
      served = await measureBackend(target, requestOf(data), { env, batch, batchConcurrency: BATCH_CONCURRENCY, log, label: 'local server', outDir: path.join(OUT_DIR, 'served'), serverPid: server.pid });
      coldServed = await coldGenerate('local server', requestOf(data), path.join(OUT_DIR, 'cold-served'));
    } finally {
      await target.client.close();
    }
    serverRssBytes = peakResident(server.pid ?? 0);
  } finally {
    await server.stop();
  }
  // (1b) The web API, whose server serves the same directory (so it runs while no other server does).
  const web = await webBench(data);
  const req = requestOf(data);
  const batch = batchRequests(['acme', 'globex', 'initech'], data.toMs, BATCH_SIZE);

  // (2) In-process. chDB locks its data directory per process ("Cannot lock file .../status"), so the bench
  // closes its own engine while a CLI process holds the directory.
  t0 = performance.now();
  target = await open(DATA_DIR);
  const firstOpenMs = performance.now() - t0;
  await target.client.close();
  const coldInProcess = await coldGenerate('in-process', req, path.join(OUT_DIR, 'cold-in-process'));
  // The default-size demo seed (5.06M L3/4 samples, 1.02M L7 events) into a fresh directory, as `npm run demo`
  // does on a new machine: one CLI process, spawn to exit.
  const seedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attack-report-bench-seed-'));
  let seedMs: number;
  try {
    seedMs = await runCli(['--data-dir', seedDir, 'seed']);
  } finally {
    fs.rmSync(seedDir, { recursive: true, force: true });
  }
  log(`default-size seed: ${ms(seedMs)} ms`);
  t0 = performance.now();
  target = await open(DATA_DIR);
  const reopenMs = performance.now() - t0;
  t0 = performance.now();
  await (await launchBrowser(env)).close();
  const launchMs = performance.now() - t0;
  let inProcess;
  try {
    inProcess = await measureBackend(target, req, { env, batch, batchConcurrency: BATCH_CONCURRENCY, log, label: 'in-process', outDir: path.join(OUT_DIR, 'in-process') });
  } finally {
    await target.client.close();
  }

  // (3) 8× the data; (4) the ingest (issue 6), in its own process and data directory.
  const growth = await measureGrowth(req);
  const ingest = await benchIngest(INGEST_LINES, log);
  log(`ingest: ${Math.round(ingest.rowsPerSecond)} rows/s, peak ${Math.round(ingest.peak.rss / 2 ** 20)} MB RSS`);

  // (5) The report over a foreign flow table beside the same rows in native tables (issue 15), in-process.
  target = await open(DATA_DIR);
  let source;
  try {
    source = await measureSource(target, { env, req, tz: TZ, outDir: path.join(PACKAGE_ROOT, 'bench/out/source'), log });
  } finally {
    await target.client.close();
  }

  // (6) The run ledger: a batch of scheduled runs by 1-3 workers on each ledger (issue 16), on its own small data.
  const ledger = await measureLedger({ workDir: LEDGER_DIR, log });

  const md = spliceSection(spliceSection(resultsMarkdown({
    dataDir: path.relative(PACKAGE_ROOT, DATA_DIR), bigDataDir: path.relative(PACKAGE_ROOT, BIG_DATA_DIR), seed: SEED, account: ACCOUNT, tz: TZ, data, req,
    batchSize: BATCH_SIZE, batchConcurrency: BATCH_CONCURRENCY,
    inProcess, served, coldInProcess, coldServed, seedMs, serverRssBytes,
    once: { firstOpenMs, reopenMs, launchMs, serverStartMs },
    growth: { ...growth, base: { warm: inProcess.warm, built: inProcess.built } },
    ingest, web,
  }), SOURCE_HEADING, sourceSection(source, path.relative(PACKAGE_ROOT, DATA_DIR), false)), LEDGER_HEADING, ledgerSection(ledger, false));
  fs.writeFileSync(RESULTS, md);
  process.stdout.write(`${md}\nwrote ${path.relative(process.cwd(), RESULTS)}\n`);
}

const webBench = (data: SeededData): Promise<WebBench> =>
  measureWeb({ dataDir: DATA_DIR, account: ACCOUNT, tz: TZ, dataEndMs: data.toMs, workDir: WEB_DIR, log });

/** BENCH_ONLY=web: the data made sure of (seeded if missing), the web part, its section spliced into RESULTS.md. */
async function webOnly(): Promise<void> {
  const server = await LocalServer.start({ dataDir: DATA_DIR });
  let data: SeededData;
  try {
    const target = await open(DATA_DIR);
    try {
      data = await ensureSeed(target, DATA_DIR, SEED, MIN_NET_ROWS);
    } finally {
      await target.client.close();
    }
  } finally {
    await server.stop();
  }
  const section = webSection(await webBench(data), path.relative(PACKAGE_ROOT, DATA_DIR), true);
  const old = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '# Benchmark results\n\nOnly the web API part has been measured so far; `npm run bench` measures the rest.\n';
  fs.writeFileSync(RESULTS, spliceSection(old, '## Web API', section));
  process.stdout.write(`${section}\nwrote its section into ${path.relative(process.cwd(), RESULTS)}\n`);
}

/**
 * BENCH_ONLY=source: in-process on the bench's data (seeded if missing), the report over a foreign flow table
 * beside the same rows in native tables; its section spliced into RESULTS.md.
 */
async function sourceOnly(): Promise<void> {
  const target = await open(DATA_DIR);
  let section: string;
  try {
    const data = await ensureSeed(target, DATA_DIR, SEED, MIN_NET_ROWS);
    const result = await measureSource(target, { env, req: requestOf(data), tz: TZ, outDir: path.join(PACKAGE_ROOT, 'bench/out/source'), log });
    section = sourceSection(result, path.relative(PACKAGE_ROOT, DATA_DIR), true);
  } finally {
    await target.client.close();
  }
  const old = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '# Benchmark results\n\nOnly the foreign-source part has been measured so far; `npm run bench` measures the rest.\n';
  fs.writeFileSync(RESULTS, spliceSection(old, SOURCE_HEADING, section));
  process.stdout.write(`${section}\nwrote its section into ${path.relative(process.cwd(), RESULTS)}\n`);
}

const LEDGER_DIR = path.join(PACKAGE_ROOT, 'bench/out/ledger');

/**
 * BENCH_ONLY=ledger: a batch of scheduled runs by 1, 2 and 3 workers on the file and the PostgreSQL ledger
 * (bench/ledger.ts, on a small data set of its own); its section spliced into RESULTS.md.
 */
async function ledgerOnly(): Promise<void> {
  const result = await measureLedger({ workDir: LEDGER_DIR, log });
  fs.writeFileSync(path.join(LEDGER_DIR, 'result.json'), JSON.stringify(result, null, 2));
  const section = ledgerSection(result, true);
  const old = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '# Benchmark results\n\nOnly the ledger part has been measured so far; `npm run bench` measures the rest.\n';
  fs.writeFileSync(RESULTS, spliceSection(old, LEDGER_HEADING, section));
  process.stdout.write(`${section}\nwrote its section into ${path.relative(process.cwd(), RESULTS)}\n`);
}

const ONLY = process.env.BENCH_ONLY ?? '';
const PARTS: Record<string, () => Promise<void>> = { web: webOnly, source: sourceOnly, ledger: ledgerOnly };
if (ONLY !== '' && !PARTS[ONLY]) {
  log(`BENCH_ONLY=${JSON.stringify(ONLY)} is not a part the bench can run alone; use BENCH_ONLY=web, BENCH_ONLY=source or BENCH_ONLY=ledger, or leave it unset for the whole bench`);
  process.exit(2);
}

(ONLY !== '' ? PARTS[ONLY]!() : main()).then(
  () => process.exit(0),
  (err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);

/** bench/RESULTS.md from one run's measurements: both backends side by side, the growth figure, the ingest, the web API. */
import os from 'node:os';
import type { ReportRequest } from '../src/report/build.js';
import type { DataSize } from './queries.js';
import type { BackendRun } from './backend.js';
import type { IngestBench } from './ingest.js';
import type { WebBench } from './web.js';
import { webSection } from './web-results.js';
import { markdownTable, ms, ratio, spread, type Sample } from './stats.js';

/** Issue 13's targets, on the local server (2 cores, the bench data). */
export const TARGETS = { warmMs: 900, analysisShare: 0.4, coldMs: 1500, batchPerMinute: 150, batchMb: 1536, growth: 1.3 };
/** Issue 6's ingest targets. */
const INGEST_TARGET = { rowsPerSecond: 200_000, mb: 300 };
/** Issue 1's seed target. */
const SEED_TARGET_MS = 20_000;

interface Warm { warm: Sample; built: Sample }

export interface Growth {
  factor: number;
  data: { seededNow: string | null; mergeWaitMs: number; size: DataSize };
  diskBytes: number;
  /** In-process: the 8× report timed after the 1× phase (base). */
  inProcess: Warm;
  base: Warm;
  /** Local server: 1× and 8× served at once, the reports alternating; ratios are medians of per-round ratios. */
  served: Warm;
  servedBase: Warm;
  servedRatio: { warm: number; built: number };
}

export interface BenchResults {
  dataDir: string;
  bigDataDir: string;
  seed: { seed: number; scale: number; days: number };
  account: string;
  tz: string;
  data: { seededNow: string | null; mergeWaitMs: number; size: DataSize };
  req: ReportRequest;
  batchSize: number;
  batchConcurrency: number;
  inProcess: BackendRun;
  served: BackendRun;
  coldInProcess: Sample;
  coldServed: Sample;
  seedMs: number;
  /** The local server's peak resident set over its whole life in the bench (VmHWM). */
  serverRssBytes: number;
  once: { firstOpenMs: number; reopenMs: number; launchMs: number; serverStartMs: number };
  growth: Growth;
  ingest: IngestBench;
  web: WebBench;
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
const fmt = (n: number) => n.toLocaleString('en');
const verdict = (ok: boolean) => (ok ? 'pass' : 'FAIL');
const x = (v: number) => `${v.toFixed(2)}×`;

export function resultsMarkdown(r: BenchResults): string {
  const { inProcess: a, served: b } = r;
  // The same-run baseline of issue 2, on the in-process engine: both columns are divided by it.
  const baseline = a.built.median + a.bare.median;
  const servedBaseline = b.built.median + b.bare.median;
  const concurrentShare = (run: BackendRun) => (run.built.median - run.foundation.median) / run.foundation.median;
  const cell = (s: Sample) => `${ms(s.median)} (${ratio(s.median, baseline)})`;
  const pair = (label: string, sa: Sample, sb: Sample, target = '', ok?: boolean) =>
    [label, cell(sa), spread(sa), cell(sb), spread(sb), ratio(sb.median, sa.median), target, ok === undefined ? '' : verdict(ok)];
  const side = markdownTable(
    ['Measure (ms, × baseline)', 'In-process', 'min–max', 'Local server', 'min–max', 'Server ÷ in-process', 'Target (local server)', 'Result'],
    [
      pair('Query (generateReport.queryMs)', a.query, b.query),
      pair('Render: charts + HTML (renderMs)', a.render, b.render),
      pair('PDF print (pdfMs)', a.pdf, b.pdf),
      pair('**Warm total** (generateReport, pdf)', a.warm, b.warm, `≤ ${TARGETS.warmMs} ms (${ratio(TARGETS.warmMs, baseline)})`, b.warm.median <= TARGETS.warmMs),
      pair('**Cold generate** (CLI process, spawn→exit)', r.coldInProcess, r.coldServed, `≤ ${TARGETS.coldMs} ms (${ratio(TARGETS.coldMs, baseline)})`, r.coldServed.median <= TARGETS.coldMs),
      pair('Baseline (i): buildReport alone', a.built, b.built),
      pair('Baseline (ii): bare Chromium print', a.bare, b.bare),
      ['**Baseline** (i) + (ii)', `${ms(baseline)} (1.00×)`, '', `${ms(servedBaseline)} (${ratio(servedBaseline, baseline)})`, '', ratio(servedBaseline, baseline), '', ''],
      pair('Report queries together (as buildReport runs them)', a.foundation, b.foundation),
      ['**Analysis ÷ report queries**, as run: (buildReport − report queries) ÷ report queries', x(concurrentShare(a)), '', x(concurrentShare(b)), '', '',
        `≤ ${TARGETS.analysisShare.toFixed(2)}`, verdict(concurrentShare(b) <= TARGETS.analysisShare)],
      ['Analysis ÷ report queries, each alone and summed (the earlier definition)', x(a.analysisMs / a.sumQueries), '', x(b.analysisMs / b.sumQueries), '', '', '', ''],
      [`**Batch** of ${r.batchSize}, reports/min`, a.batch.perMinute.toFixed(0), '', b.batch.perMinute.toFixed(0), '', x(b.batch.perMinute / a.batch.perMinute),
        `≥ ${TARGETS.batchPerMinute}/min`, verdict(b.batch.perMinute >= TARGETS.batchPerMinute)],
      ['**Batch peak memory** MB (PSS: this process, Chromium and the server)', String(mb(a.batch.peakMemoryBytes)), '', String(mb(b.batch.peakMemoryBytes)), '',
        x(b.batch.peakMemoryBytes / a.batch.peakMemoryBytes), `≤ ${TARGETS.batchMb} MB`, verdict(mb(b.batch.peakMemoryBytes) <= TARGETS.batchMb)],
      ['at the peak: this process / the server / Chromium (PSS MB)', `${mb(a.batch.peakParts.self)} / – / ${mb(a.batch.peakParts.others)}`, '',
        `${mb(b.batch.peakParts.self)} / ${mb(b.batch.peakParts.server)} / ${mb(b.batch.peakParts.others)}`, '', '', '', ''],
      ['the server process alone: peak RSS in the batch (VmHWM)', '', '', String(mb(b.serverPeakBytes ?? 0)), '', '', '', ''],
      ['Seed, default size, fresh directory (CLI process)', ms(r.seedMs), '', '', '', '', `≤ ${SEED_TARGET_MS} ms`, verdict(r.seedMs <= SEED_TARGET_MS)],
    ],
  );

  const g = r.growth;
  const growthRow = (label: string, base: Sample, big: Sample, growth: number, checked: boolean) =>
    [label, ms(base.median), spread(base), ms(big.median), spread(big), x(growth), checked ? `≤ ${x(TARGETS.growth)}` : '', checked ? verdict(growth <= TARGETS.growth) : ''];
  const growthTable = markdownTable(
    ['30-day report, account acme (ms)', '1× data', 'min–max', `${g.factor}× data`, 'min–max', `${g.factor}× ÷ 1×`, 'Target', 'Result'],
    [
      growthRow('Local server: warm total (generateReport, pdf), alternating', g.servedBase.warm, g.served.warm, g.servedRatio.warm, true),
      growthRow('Local server: buildReport alone, alternating', g.servedBase.built, g.served.built, g.servedRatio.built, false),
      growthRow('In-process: warm total (1× from the table above)', g.base.warm, g.inProcess.warm, g.inProcess.warm.median / g.base.warm.median, false),
      growthRow('In-process: buildReport alone (1× from the table above)', g.base.built, g.inProcess.built, g.inProcess.built.median / g.base.built.median, false),
    ],
  );

  const once = markdownTable(
    ['Start-up component (measured once, in the bench process)', 'ms'],
    [
      ['First chDB open + migrate (loads the native engine)', ms(r.once.firstOpenMs)],
      ['chDB reopen + migrate (engine already loaded)', ms(r.once.reopenMs)],
      ['Chromium launch (launchBrowser)', ms(r.once.launchMs)],
      ['Local server start on the bench directory (LocalServer.start, until it answers)', ms(r.once.serverStartMs)],
    ],
  );

  const served = new Map(b.perQuery.map((q) => [q.name, q]));
  const queries = markdownTable(
    ['Query (alone, sequential)', 'Rows', 'In-process ms', 'Local server ms'],
    [
      ...a.perQuery.map((q) => [`report/${q.name}`, String(q.rows), ms(q.sample.median), served.has(q.name) ? ms(served.get(q.name)!.sample.median) : '']),
      ['**Sum**', '', ms(a.sumQueries), ms(b.sumQueries)],
    ],
  );
  const analysisTable = markdownTable(
    ['Analysis step (alone, sequential)', 'In-process ms', '× report queries', 'Local server ms', '× report queries'],
    [
      ...a.analysis.map((s, i) => {
        const t = b.analysis[i]!;
        return [s.name, ms(s.sample.median), x(s.sample.median / a.sumQueries), ms(t.sample.median), x(t.sample.median / b.sumQueries)];
      }),
      ['**Total**', ms(a.analysisMs), x(a.analysisMs / a.sumQueries), ms(b.analysisMs), x(b.analysisMs / b.sumQueries)],
    ],
  );

  const ing = r.ingest;
  const ingestTable = markdownTable(
    [`Ingest of a ${fmt(ing.lines)}-line gzip NDJSON export (${mb(ing.fileBytes)} MB)`, 'Rows/s', 'Wall s', 'Peak RSS MB', 'Peak PSS MB', 'Anonymous MB', 'Target', 'Result'],
    [
      [`\`attack-report ingest\` (CLI process, in-process engine), median of ${ing.runsMs.length}`, fmt(Math.round(ing.rowsPerSecond)), ing.runsMs.map((m) => (m / 1000).toFixed(1)).join(', '),
        String(mb(ing.peak.rss)), String(mb(ing.peak.pss)), String(mb(ing.peak.anon)), `≥ ${fmt(INGEST_TARGET.rowsPerSecond)} rows/s, ≤ ${INGEST_TARGET.mb} MB`,
        `${verdict(ing.rowsPerSecond >= INGEST_TARGET.rowsPerSecond)} / ${verdict(mb(ing.peak.rss) <= INGEST_TARGET.mb)}`],
      ['Baseline: read, gunzip and split the same file into lines in Node', fmt(Math.round(ing.baselineRowsPerSecond)), '', '', '', '', '', ''],
      ['Ingest ÷ baseline', `${(ing.rowsPerSecond / ing.baselineRowsPerSecond).toFixed(3)}×`, '', '', '', '', '', ''],
      ['Engine floor: a process that only opens the engine (`db migrate`)', '', '', String(mb(ing.engineFloor.rss)), String(mb(ing.engineFloor.pss)), String(mb(ing.engineFloor.anon)), '', ''],
    ],
  );

  const size = r.data.size;
  const bigSize = g.data.size;
  const from = new Date(r.req.window.fromMs).toISOString();
  const to = new Date(r.req.window.toMs).toISOString();
  return `# Benchmark results

Generated by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString()}.

- Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}; shared with other jobs, so compare ratios
- Backends: the embedded engine (chDB) in-process at \`${r.dataDir}\`, then the same directory served by the local server (\`LocalServer\`, the server \`db serve\` and the worker run), reached over HTTP on loopback
- Data: ${fmt(size.netRows)} L3/4 samples and ${fmt(size.l7Rows)} L7 events (seed ${r.seed.seed}, scale ${r.seed.scale}, ${r.seed.days} days${r.data.seededNow ? `; ${r.data.seededNow} in this run` : '; reused'}); account \`${r.account}\`: ${fmt(size.accountNetRows)} L3/4 samples, ${fmt(size.accountL7Rows)} L7 events, ${fmt(size.net1mRows)} net_1m rows, ${fmt(size.l71mRows)} l7_1m rows
- Report: account \`${r.account}\`, all zones, ${from} to ${to}, tz ${r.tz}, PDF only (${fmt(r.served.pdfBytes)} bytes)

Warm = \`generateReport\` in the bench process with Chromium running and ClickHouse open (1 warm-up, median of 5;
the phase rows are medians of its own timings in the same runs). Cold = \`node bin/attack-report.js --data-dir …
generate … --format pdf\`, spawn to exit, median of 3: in-process, the CLI opens the directory itself (the bench
closes its engine first: one process per directory); with the server up, the CLI finds it through the discovery
file. Baseline, measured in the same run = (i) \`buildReport\` alone (median of 5) + (ii) a bare Chromium print of
the same HTML (new page, setContent, \`page.pdf\`, close; median of 5), on the in-process engine; every
"× baseline" divides by it, so both columns share one yardstick. The server's part runs first (before the bench
process loads the in-process engine, whose memory would otherwise count in the server's batch), then the
in-process part on the same directory.

${side}

Analysis: buildReport runs its first ${'16'} queries together, then the analysis (signatures and rule backtests of
both layers, distinct sources, detected attacks, the previous period), whose independent parts run together on a
server and one after another in-process (\`together\`, src/clickhouse/together.ts).
"As run" divides what buildReport takes beyond the report queries (both measured as buildReport runs them) by
those queries; "each alone" sums the steps and the queries run one at a time (the definition of earlier runs,
which gains nothing from a server's concurrency).

## ${g.factor}× the data

The same seed at ${g.factor}× the scale in \`${r.bigDataDir}\`: ${fmt(bigSize.netRows)} L3/4 samples and ${fmt(bigSize.l7Rows)} L7 events
(account \`${r.account}\`: ${fmt(bigSize.accountNetRows)} and ${fmt(bigSize.accountL7Rows)}; ${fmt(bigSize.net1mRows)} net_1m rows), ${(g.diskBytes / 2 ** 30).toFixed(1)} GiB on disk${g.data.seededNow ? `; ${g.data.seededNow} in this run` : '; reused (seeded once by an earlier run)'}.
On the local server both directories are served at once and the 1× and 8× reports alternate (1 warm-up each, 5
rounds), so both see the same load; the ratio is the median of the rounds' ratios. In-process, one engine per
process: the 8× report is timed after the 1× phase, against that phase's figures.

${growthTable}

${once}

Each report query alone (sequential, 1 warm-up, median of 3):

${queries}

Each analysis step alone (sequential, 1 warm-up, median of 5), against the sum of the report queries above:

${analysisTable}

The batch: ${r.batchSize} reports over the three accounts (daily windows walking back from the end of the data, every fifth a
week), PDF only, ${r.batchConcurrency} in flight, one pooled renderer, in the bench process. Peak memory is the PSS of the bench
process and all its children (Chromium and, for the server, the server process, which is its child), sampled
every 500 ms; the server's own VmHWM is reset before the batch and read after it. The server's peak RSS over its
whole life in the bench: ${mb(r.serverRssBytes)} MB.

${ingestTable}

The ingest summary line: ${ing.summary.replace(/`/g, "'")}.

${webSection(r.web, r.dataDir, false)}
## History (short)

- Issue 12 (in-process only): warm 2.34 s (1.00× baseline), cold 4.95 s, analysis 1.87× the report queries
  (each alone), batch 91 reports/min at 1.45 GB, ingest 141,000 rows/s. Issue 11: warm 1.46-1.73 s, analysis
  0.71-0.78×, batch 110-127/min. 8× the data in-process, measured by hand before issue 13: 1.30× the time.
- The naive batch (a new browser per report) is no longer run: 39 reports/min at 0.78 GB in issue 12, 2.30×
  slower than the pooled renderer.

Reproduce: \`npm run build && npm run bench\`. The first run seeds \`${r.dataDir}\` (about a minute) and
\`${r.bigDataDir}\` (the ${g.factor}× set: see the README's Performance section for its time and disk); later
runs reuse both (\`BENCH_DATA_DIR\`, \`BENCH_BIG_DATA_DIR\` override them).
`;
}

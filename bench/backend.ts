/**
 * The measurements bench/run.ts takes once per backend (in-process chDB, then the local server over the same data
 * directory): the warm report, buildReport alone, a bare print of the same HTML, each report query and analysis
 * step on its own, and a pooled batch with its peak memory. The same code on both, so the columns compare.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'puppeteer-core';
import type { ClickHouseTarget } from '../src/clickhouse/client.js';
import { buildReport, foundationQueries, type ReportRequest } from '../src/report/build.js';
import { generateReport } from '../src/report/generate.js';
import type { ReportModel } from '../src/report/model.js';
import { launchBrowser } from '../src/render/browser.js';
import { PdfRenderer } from '../src/render/renderer.js';
import { renderHtml } from '../src/render/html.js';
import { timeAnalysis, timeReportQueries, type QueryTiming } from './queries.js';
import { runBatch, type BatchResult } from './batch.js';
import { ms, summarize, timeRuns, type Sample } from './stats.js';

type Env = Parameters<typeof launchBrowser>[0];

export interface BackendRun {
  /** generateReport, PDF, browser and ClickHouse open: 1 warm-up, median of 5; the phases from its own timings. */
  warm: Sample;
  query: Sample;
  render: Sample;
  pdf: Sample;
  pdfBytes: number;
  /** buildReport alone (median of 5) and a bare Chromium print of the same HTML (median of 5). */
  built: Sample;
  bare: Sample;
  /**
   * The report's first queries run together as buildReport runs them (median of 5): buildReport less this is
   * what the analysis (signatures, rules, sources, detected attacks, previous period) adds to the report.
   */
  foundation: Sample;
  model: ReportModel;
  perQuery: QueryTiming[];
  sumQueries: number;
  analysis: { name: string; sample: Sample }[];
  analysisMs: number;
  batch: BatchResult;
  /** The server process's own peak resident set during the batch (VmHWM, reset before it); null in-process. */
  serverPeakBytes: number | null;
}

export interface BackendOptions {
  env: Env;
  label: string;
  outDir: string;
  batch: ReportRequest[];
  batchConcurrency: number;
  /** The local server's process, whose own memory is read besides the tree's. */
  serverPid?: number | undefined;
  log: (line: string) => void;
}

/** The bare Chromium print the PDF step is compared with: no interception, no header/footer. */
async function barePrint(browser: Browser, html: string): Promise<void> {
  const page = await browser.newPage();
  try {
    await page.setContent(html);
    await page.pdf({ format: 'A4', printBackground: true });
  } finally {
    await page.close();
  }
}

/** Sets the process's peak resident set to its current one (Linux: writing 5 to clear_refs). */
function resetPeak(pid: number): void {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not permitted: the peak then covers the server's whole life, which only overstates it.
  }
}

/** VmHWM (peak resident set) of a process, in bytes; 0 when it has gone. */
export function peakResident(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Warm report, the same work's baseline, report queries and analysis steps; `batch` adds the pooled batch. */
export async function measureBackend(target: ClickHouseTarget, req: ReportRequest, opts: BackendOptions): Promise<BackendRun> {
  const { log, label } = opts;
  const browser = await launchBrowser(opts.env);
  // The warm runs print through the renderer the CLI uses (its own browser, started before the first run).
  const renderer = new PdfRenderer({ env: opts.env });
  await renderer.warmUp();
  try {
    const parts: { queryMs: number[]; renderMs: number[]; pdfMs: number[] } = { queryMs: [], renderMs: [], pdfMs: [] };
    let pdfBytes = 0;
    let timed = false;
    const warm = await timeRuns(5, 1, async () => {
      const r = await generateReport(target, req, { formats: ['pdf'], outDir: path.join(opts.outDir, 'warm'), renderer, overwrite: true });
      if (timed) for (const k of ['queryMs', 'renderMs', 'pdfMs'] as const) parts[k].push(r.timings[k]);
      timed = true; // the first call is the warm-up
      pdfBytes = fs.statSync(r.files.pdf!).size;
      return r;
    });
    const totals = warm.last.model.totals;
    if (totals.l34.packets === 0 || totals.l7.events === 0) throw new Error(`${label}: the report of ${req.accountId} is empty; the bench would time nothing`);
    const [query, render, pdf] = [summarize(parts.queryMs), summarize(parts.renderMs), summarize(parts.pdfMs)];
    log(`${label} warm generate: ${ms(warm.sample.median)} ms (query ${ms(query.median)}, render ${ms(render.median)}, pdf ${ms(pdf.median)})`);

    const built = await timeRuns(5, 0, () => buildReport(target, req));
    const { html } = await renderHtml(built.last);
    const bare = await timeRuns(5, 0, () => barePrint(browser, html));
    log(`${label} baseline: queries ${ms(built.sample.median)} ms + bare print ${ms(bare.sample.median)} ms`);

    const foundation = await timeRuns(5, 0, () => foundationQueries(target, req));
    log(`${label} report queries together: ${ms(foundation.sample.median)} ms; buildReport adds ${ms(built.sample.median - foundation.sample.median)} ms`);
    const perQuery = await timeReportQueries(target, req.accountId, req.window);
    const sumQueries = perQuery.reduce((a, q) => a + q.sample.median, 0);
    const analysis = await timeAnalysis(target, req, built.last);
    const analysisMs = analysis.reduce((a, x) => a + x.sample.median, 0);
    log(`${label} analysis: ${ms(analysisMs)} ms against ${ms(sumQueries)} ms of report queries (${(analysisMs / sumQueries).toFixed(2)}×)`);

    // The batch's peak memory is that of the batch alone: the browsers above are closed first.
    await browser.close().catch(() => undefined);
    await renderer.close();
    if (opts.serverPid) resetPeak(opts.serverPid);
    const batch = await runBatch(target, opts.env, opts.batch, 'pooled', path.join(opts.outDir, 'batch'), opts.batchConcurrency, opts.serverPid);
    const serverPeakBytes = opts.serverPid ? peakResident(opts.serverPid) : null;
    log(`${label} batch: ${batch.perMinute.toFixed(0)} reports/min, peak ${Math.round(batch.peakMemoryBytes / 2 ** 20)} MB` +
      (serverPeakBytes ? ` (server VmHWM ${Math.round(serverPeakBytes / 2 ** 20)} MB)` : ''));
    return {
      warm: warm.sample, query, render, pdf, pdfBytes, built: built.sample, bare: bare.sample, foundation: foundation.sample, model: built.last,
      perQuery, sumQueries, analysis, analysisMs, batch, serverPeakBytes,
    };
  } finally {
    await browser.close().catch(() => undefined);
    await renderer.close();
  }
}

/** The 30-day report only (warm generateReport and buildReport alone), for the growth comparison. */
export async function measureWarmOnly(target: ClickHouseTarget, req: ReportRequest, opts: Pick<BackendOptions, 'env' | 'label' | 'outDir' | 'log'>): Promise<{ warm: Sample; built: Sample; model: ReportModel }> {
  const renderer = new PdfRenderer({ env: opts.env });
  await renderer.warmUp();
  try {
    const warm = await timeRuns(5, 1, () => generateReport(target, req, { formats: ['pdf'], outDir: path.join(opts.outDir, 'warm'), renderer, overwrite: true }));
    const built = await timeRuns(5, 0, () => buildReport(target, req));
    opts.log(`${opts.label}: warm ${ms(warm.sample.median)} ms, buildReport ${ms(built.sample.median)} ms`);
    return { warm: warm.sample, built: built.sample, model: built.last };
  } finally {
    await renderer.close();
  }
}

/**
 * The warm report on two targets in alternation (one warm-up each, then `runs` rounds of: a, b generateReport;
 * a, b buildReport), so that both see the same load on a shared machine; ratios are the medians of the
 * per-round ratios b ÷ a.
 */
export async function measurePaired(
  a: { target: ClickHouseTarget; req: ReportRequest },
  b: { target: ClickHouseTarget; req: ReportRequest },
  opts: Pick<BackendOptions, 'env' | 'label' | 'outDir' | 'log'>,
  runs = 5,
): Promise<{ a: { warm: Sample; built: Sample }; b: { warm: Sample; built: Sample }; warmRatio: number; builtRatio: number }> {
  const renderer = new PdfRenderer({ env: opts.env });
  await renderer.warmUp();
  const generate = (side: typeof a, dir: string) => generateReport(side.target, side.req, { formats: ['pdf'], outDir: path.join(opts.outDir, dir), renderer, overwrite: true });
  const time = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  try {
    await generate(a, 'a');
    await generate(b, 'b');
    const t = { aWarm: [] as number[], bWarm: [] as number[], aBuilt: [] as number[], bBuilt: [] as number[] };
    for (let i = 0; i < runs; i++) {
      t.aWarm.push(await time(() => generate(a, 'a')));
      t.bWarm.push(await time(() => generate(b, 'b')));
      t.aBuilt.push(await time(() => buildReport(a.target, a.req)));
      t.bBuilt.push(await time(() => buildReport(b.target, b.req)));
    }
    const ratios = (x: number[], y: number[]) => summarize(x.map((v, i) => y[i]! / v)).median;
    const out = {
      a: { warm: summarize(t.aWarm), built: summarize(t.aBuilt) }, b: { warm: summarize(t.bWarm), built: summarize(t.bBuilt) },
      warmRatio: ratios(t.aWarm, t.bWarm), builtRatio: ratios(t.aBuilt, t.bBuilt),
    };
    opts.log(`${opts.label}: warm ${ms(out.a.warm.median)} → ${ms(out.b.warm.median)} ms (${out.warmRatio.toFixed(2)}×), ` +
      `buildReport ${ms(out.a.built.median)} → ${ms(out.b.built.median)} ms (${out.builtRatio.toFixed(2)}×)`);
    return out;
  } finally {
    await renderer.close();
  }
}

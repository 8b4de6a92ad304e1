/**
 * The foreign-source part of `npm run bench` (issue 15): the 30-day report over a provider's flow table
 * (`prov.flows`, ~20M rows, attached as the source `flows` with feed: periodic) beside the same report over a
 * native database holding exactly the same rows, in the same process and run. The source is detached and
 * attached again on every run, so that the backfill (syncSource over the flow table's whole range) is timed each
 * time; the two tables are built once and reused (bench/source-tables.ts). The two reports must be equal, field
 * for field but generatedAt: the part fails otherwise.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { ClickHouseTarget } from '../src/clickhouse/client.js';
import { buildReport, type ReportRequest } from '../src/report/build.js';
import { generateReport } from '../src/report/generate.js';
import { PdfRenderer } from '../src/render/renderer.js';
import { attachSource, detachSource, feedersOf, sourceTarget } from '../src/source/attach.js';
import { syncSource } from '../src/source/sync.js';
import { timeAnalysis, timeReportQueries, waitForMerges } from './queries.js';
import { comparisonTarget, ensureSourceTables, FLOW_SOURCE, type SourceTables } from './source-tables.js';
import { ms, summarize, timeRuns, type Sample } from './stats.js';
import { toClickHouseTime } from '../src/clickhouse/time.js';
import { toNumber } from '../src/clickhouse/client.js';

type Env = ConstructorParameters<typeof PdfRenderer>[0]['env'];

/** A day per chunk: 30-odd chunks per feeder, each a day of the flow table read through the projection. */
export const CHUNK_MS = 86_400_000;
const RUNS = 5;

export interface Side { warm: Sample; query: Sample; built: Sample }

export interface SourceBench {
  measuredAt: string;
  load: [number, number];
  account: string;
  tz: string;
  window: { fromMs: number; toMs: number };
  tables: SourceTables;
  attachMs: number;
  backfill: { ms: number; inserts: number; chunks: number; feeders: string[]; rowsPerSecond: number; mergeWaitMs: number; parts: { source: number; native: number } };
  source: Side;
  native: Side;
  /** Medians of the per-round ratios source ÷ native. */
  ratio: { warm: number; query: number; built: number };
  /** The report's steps that read raw rows (net_samples: over the source, the projection view), each on its own. */
  raw: { name: string; source: Sample; native: Sample }[];
  /**
   * One account's 30-day window of raw rows, counted, summed and its distinct sources counted: the bare cost of
   * reading through the projection view (median of 3 after 1 warm-up), and the rows the read covered.
   */
  scan: { source: Sample; native: Sample; rows: number };
  /** The report's queries, each on its own, the slowest over the source first. */
  queries: { name: string; source: Sample; native: Sample }[];
  pdfBytes: number;
  totals: { packets: number; attacks: number };
}

export interface SourceOptions { env: Env; req: ReportRequest; tz: string; outDir: string; log: (line: string) => void }

/** The first path at which two JSON values differ, for the failure message. */
function firstDifference(a: unknown, b: unknown, at = '$'): string {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return `${at}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const [x, y] = [(a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]];
    if (!isDeepStrictEqual(x, y)) return firstDifference(x, y, `${at}.${k}`);
  }
  return `${at}: differs`;
}

async function assertEqualReports(src: ClickHouseTarget, cmp: ClickHouseTarget, req: ReportRequest, outDir: string): Promise<{ packets: number; attacks: number }> {
  const json = async (t: ClickHouseTarget) => {
    const j = JSON.parse(JSON.stringify(await buildReport(t, req))) as Record<string, unknown>;
    if (j.generatedAt === undefined) throw new Error('the report has no generatedAt: the bench compares reports without it, fix bench/source.ts');
    delete j.generatedAt;
    return j;
  };
  const [a, b] = [await json(src), await json(cmp)];
  fs.writeFileSync(path.join(outDir, 'report-source.json'), JSON.stringify(a, null, 2));
  fs.writeFileSync(path.join(outDir, 'report-native.json'), JSON.stringify(b, null, 2));
  if (!isDeepStrictEqual(a, b)) {
    throw new Error(`the report over the source differs from the report over the same rows in native tables (both in ${outDir}): first at ${firstDifference(a, b)}`);
  }
  const totals = (a as { totals: { l34: { packets: number } }; attacks?: unknown[] });
  if (!(totals.totals.l34.packets > 0)) throw new Error(`the report of ${req.accountId} over the source is empty: the bench would time nothing`);
  return { packets: totals.totals.l34.packets, attacks: Array.isArray(totals.attacks) ? totals.attacks.length : 0 };
}

/** Active parts of the database's MergeTree tables (its rollups and ledger): what a read opens. */
async function activeParts(t: ClickHouseTarget): Promise<number> {
  const q = await t.client.query({ query: 'SELECT count() AS c FROM system.parts WHERE database = {db:String} AND active AND table != {raw:String}', query_params: { db: t.database, raw: 'net_samples' }, format: 'JSONEachRow' });
  return toNumber((await q.json<{ c: unknown }>())[0]?.c);
}

/** Warm generateReport (PDF) and buildReport on both targets in alternation, 1 warm-up each, then RUNS rounds. */
async function paired(src: ClickHouseTarget, cmp: ClickHouseTarget, o: SourceOptions): Promise<{ source: Side; native: Side; ratio: SourceBench['ratio']; pdfBytes: number }> {
  const renderer = new PdfRenderer({ env: o.env });
  await renderer.warmUp();
  let pdfBytes = 0;
  const generate = async (t: ClickHouseTarget, dir: string) => {
    const t0 = performance.now();
    const r = await generateReport(t, o.req, { formats: ['pdf'], outDir: path.join(o.outDir, dir), renderer, overwrite: true });
    pdfBytes = fs.statSync(r.files.pdf!).size;
    return { total: performance.now() - t0, query: r.timings.queryMs };
  };
  const built = async (t: ClickHouseTarget) => {
    const t0 = performance.now();
    await buildReport(t, o.req);
    return performance.now() - t0;
  };
  try {
    await generate(cmp, 'native');
    await generate(src, 'source');
    const t = { sW: [] as number[], nW: [] as number[], sQ: [] as number[], nQ: [] as number[], sB: [] as number[], nB: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      const n = await generate(cmp, 'native');
      const s = await generate(src, 'source');
      t.nW.push(n.total); t.nQ.push(n.query); t.sW.push(s.total); t.sQ.push(s.query);
      t.nB.push(await built(cmp));
      t.sB.push(await built(src));
      o.log(`source: round ${i + 1}/${RUNS}: report ${ms(s.total)} ms over the source, ${ms(n.total)} ms native`);
    }
    const r = (x: number[], y: number[]) => summarize(x.map((v, i) => v / y[i]!)).median;
    return {
      source: { warm: summarize(t.sW), query: summarize(t.sQ), built: summarize(t.sB) },
      native: { warm: summarize(t.nW), query: summarize(t.nQ), built: summarize(t.nB) },
      ratio: { warm: r(t.sW, t.nW), query: r(t.sQ, t.nQ), built: r(t.sB, t.nB) },
      pdfBytes,
    };
  } finally {
    await renderer.close();
  }
}

/** The whole part on an open (in-process) target of the bench's data directory. */
export async function measureSource(target: ClickHouseTarget, o: SourceOptions): Promise<SourceBench> {
  fs.rmSync(o.outDir, { recursive: true, force: true });
  fs.mkdirSync(o.outDir, { recursive: true });
  const tables = await ensureSourceTables(target, o.log);
  const measuredAt = new Date().toISOString();
  const loadStart = os.loadavg()[0]!;

  await detachSource(target, FLOW_SOURCE);
  let t0 = performance.now();
  await attachSource(target, FLOW_SOURCE);
  const src = sourceTarget(target, FLOW_SOURCE);
  const attachMs = performance.now() - t0;
  const feeders = feedersOf(FLOW_SOURCE).map((f) => f.name);
  o.log(`source: attached ${src.database} in ${ms(attachMs)} ms; backfilling ${feeders.length} feeders in chunks of a day…`);
  t0 = performance.now();
  const sync = await syncSource(target, FLOW_SOURCE, {
    fromMs: tables.fromMs, toMs: tables.toMs, chunkMs: CHUNK_MS,
    onProgress: (p) => { if (p.done % 50 === 0) o.log(`source: backfill ${p.done}/${p.total}`); },
  });
  const backfillMs = performance.now() - t0;
  if (!sync.complete || sync.repeated !== 0 || sync.late.length !== 0) throw new Error(`the backfill of a fresh attach should run every step: ${JSON.stringify(sync)}`);
  const chunks = sync.inserted / feeders.length;
  // Each INSERT writes parts of its own: the rollups are timed once merged, as the native ones are.
  const mergeWaitMs = await waitForMerges(src);
  const cmp = comparisonTarget(target);
  const parts = { source: await activeParts(src), native: await activeParts(cmp) };
  const backfill = { ms: backfillMs, inserts: sync.inserted, chunks, feeders, rowsPerSecond: tables.flowRows / (backfillMs / 1000), mergeWaitMs, parts };
  o.log(`source: backfill ${(backfillMs / 1000).toFixed(1)} s, ${sync.inserted} inserts, ${Math.round(backfill.rowsPerSecond).toLocaleString('en')} rows/s; ` +
    `merges ${(mergeWaitMs / 1000).toFixed(0)} s after it; active rollup parts ${parts.source} (native ${parts.native})`);

  const totals = await assertEqualReports(src, cmp, o.req, o.outDir);
  o.log('source: the report over the source equals the native report (but generatedAt)');
  const p = await paired(src, cmp, o);
  o.log(`source: report ${ms(p.source.warm.median)} ms over the source, ${ms(p.native.warm.median)} ms native (${p.ratio.warm.toFixed(2)}×)`);

  const scanOf = async (t: ClickHouseTarget) => {
    const r = await timeRuns(3, 1, async () => {
      const q = await t.client.query({
        query: 'SELECT count() AS n, sum(Packets) AS p, uniqExact(IPSourceAddress) AS s FROM {db:Identifier}.net_samples WHERE AccountID = {a:String} AND Datetime >= {f:DateTime64(3)} AND Datetime < {t:DateTime64(3)}',
        query_params: { db: t.database, a: o.req.accountId, f: toClickHouseTime(o.req.window.fromMs), t: toClickHouseTime(o.req.window.toMs) },
        format: 'JSONEachRow',
      });
      return JSON.stringify(await q.json());
    });
    return r;
  };
  const [scanS, scanN] = [await scanOf(src), await scanOf(cmp)];
  if (scanS.last !== scanN.last) throw new Error(`the raw rows of the window differ through the projection view: ${scanS.last} ≠ ${scanN.last}`);
  const scan = { source: scanS.sample, native: scanN.sample, rows: toNumber((JSON.parse(scanN.last) as { n: unknown }[])[0]!.n) };
  o.log(`source: raw scan of the window ${ms(scan.source.median)} ms through the view, ${ms(scan.native.median)} ms native (${scan.rows} rows)`);

  const model = await buildReport(cmp, o.req);
  const [aS, aN] = [await timeAnalysis(src, o.req, model, 3), await timeAnalysis(cmp, o.req, model, 3)];
  const raw = aS.map((s, i) => ({ name: s.name, source: s.sample, native: aN[i]!.sample }));
  const [qS, qN] = [await timeReportQueries(src, o.req.accountId, o.req.window), await timeReportQueries(cmp, o.req.accountId, o.req.window)];
  const queries = qS.map((q) => ({ name: q.name, source: q.sample, native: qN.find((n) => n.name === q.name)!.sample }));
  const result: SourceBench = {
    measuredAt, load: [loadStart, os.loadavg()[0]!], account: o.req.accountId, tz: o.tz,
    window: { fromMs: o.req.window.fromMs, toMs: o.req.window.toMs }, tables, attachMs, backfill,
    source: p.source, native: p.native, ratio: p.ratio, raw, scan, queries, pdfBytes: p.pdfBytes, totals,
  };
  fs.writeFileSync(path.join(o.outDir, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

import fs from 'node:fs';
import path from 'node:path';
import type { ClickHouseTarget } from '../src/clickhouse/client.js';
import { toNumber } from '../src/clickhouse/client.js';
import { selectRows } from '../src/clickhouse/queries.js';
import { rollupBounds, toClickHouseTime, wholeHours } from '../src/clickhouse/time.js';
import { timelineBucketSeconds, type ReportWindow } from '../src/report/window.js';
import { QUERIES_DIR } from '../src/util/paths.js';
import type { ReportRequest } from '../src/report/build.js';
import type { ReportModel } from '../src/report/model.js';
import { analyseNetTraffic } from '../src/report/net-analysis.js';
import { analyseL7Traffic } from '../src/report/l7-analysis.js';
import { DEFAULT_MAX_COLLATERAL_SHARE } from '../src/report/traffic.js';
import { compareWithPreviousPeriod } from '../src/report/previous.js';
import { timeRuns, type Sample } from './stats.js';

export interface QueryTiming {
  name: string;
  rows: number;
  sample: Sample;
}

/**
 * Times every queries/report/*.sql on its own (sequentially, one warm-up, median of `runs`), bound exactly as
 * buildReport binds them. Shows which queries the report's query phase is made of.
 */
export async function timeReportQueries(target: ClickHouseTarget, accountId: string, window: ReportWindow, runs = 3): Promise<QueryTiming[]> {
  const params = {
    account: accountId,
    zones: [] as string[],
    from: toClickHouseTime(window.fromMs),
    to: toClickHouseTime(window.toMs),
    bucketSeconds: timelineBucketSeconds(window.toMs - window.fromMs),
    hourFrom: toClickHouseTime(wholeHours(window.fromMs, window.toMs).fromMs),
    hourTo: toClickHouseTime(wholeHours(window.fromMs, window.toMs).toMs),
    // seen_targets checks given values; an empty list still runs the query's scans.
    ips: [] as string[],
    hosts: [] as string[],
    // telemetry_presence: one row tells "never seen" from "quiet window" (as the CLI asks it).
    limit: 1,
  };
  const names = fs
    .readdirSync(path.join(QUERIES_DIR, 'report'))
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.replace(/\.sql$/, ''))
    .sort();
  const out: QueryTiming[] = [];
  for (const name of names) {
    const { sample, last } = await timeRuns(runs, 1, () => selectRows(target, `report/${name}`, params));
    out.push({ name, rows: last.length, sample });
  }
  return out.sort((a, b) => b.sample.median - a.sample.median);
}

export interface DataSize {
  netRows: number;
  l7Rows: number;
  accountNetRows: number;
  accountL7Rows: number;
  net1mRows: number;
  l71mRows: number;
}

/** Row counts of the raw tables and rollups, in total and for the benchmarked account. */
export async function dataSize(target: ClickHouseTarget, accountId: string): Promise<DataSize> {
  const count = async (table: string, account?: string) => {
    const r = await target.client.query({
      query: `SELECT count() AS c FROM {db:Identifier}.{t:Identifier}${account ? ' WHERE AccountID = {a:String}' : ''}`,
      query_params: { db: target.database, t: table, ...(account ? { a: account } : {}) },
      format: 'JSONEachRow',
    });
    return toNumber((await r.json<{ c: unknown }>())[0]?.c);
  };
  return {
    netRows: await count('net_samples'),
    l7Rows: await count('l7_events'),
    accountNetRows: await count('net_samples', accountId),
    accountL7Rows: await count('l7_events', accountId),
    net1mRows: await count('net_1m', accountId),
    l71mRows: await count('l7_1m', accountId),
  };
}

/**
 * Waits until chDB has no background merge running in the bench database (parts written by a fresh seed merge
 * for a minute or more and would slow every measurement, the cold child processes most). Returns the wait.
 */
export async function waitForMerges(target: ClickHouseTarget, timeoutMs = 300_000): Promise<number> {
  const t0 = performance.now();
  let quiet = 0;
  while (quiet < 2 && performance.now() - t0 < timeoutMs) {
    const r = await target.client.query({
      query: 'SELECT count() AS c FROM system.merges WHERE database = {db:String}',
      query_params: { db: target.database },
      format: 'JSONEachRow',
    });
    quiet = toNumber((await r.json<{ c: unknown }>())[0]?.c) === 0 ? quiet + 1 : 0;
    if (quiet < 2) await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return performance.now() - t0;
}

/**
 * Times each analysis step of issue 3 on its own (sequentially, one warm-up, median of `runs`), bound as
 * buildReport binds them: L3/4 and L7 signatures with their rule backtests, and the previous-period comparison.
 */
export async function timeAnalysis(target: ClickHouseTarget, req: ReportRequest, model: ReportModel, runs = 5): Promise<{ name: string; sample: Sample }[]> {
  const params = {
    account: req.accountId, zones: req.zoneIds, from: toClickHouseTime(req.window.fromMs), to: toClickHouseTime(req.window.toMs),
    ...rollupBounds(req.window.fromMs, req.window.toMs),
  };
  const names = (layer: string) => model.vectors.filter((v) => v.layer === layer).map((v) => v.vector);
  const steps: [string, () => Promise<unknown>][] = [
    ['L3/4 signatures + rule backtests', () => analyseNetTraffic(target, params, names('L3/4'), DEFAULT_MAX_COLLATERAL_SHARE)],
    ['L7 signatures + rule backtests', () => analyseL7Traffic(target, params, names('L7'), DEFAULT_MAX_COLLATERAL_SHARE)],
    ['Distinct sources (both layers)', () => selectRows(target, 'analysis/sources', params)],
    ['Previous period (comparison)', () => compareWithPreviousPeriod(target, req, model, [])],
  ];
  const out: { name: string; sample: Sample }[] = [];
  for (const [name, run] of steps) out.push({ name, sample: (await timeRuns(runs, 1, run)).sample });
  return out;
}

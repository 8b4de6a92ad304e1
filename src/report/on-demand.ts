/**
 * An on-demand report: the one operation behind `attack-report generate` and the web app's and API's report
 * jobs. It refuses an account (or zone) that has no telemetry at all, since its report would read as an all-clear,
 * unless asked to allow that, then builds and writes the report.
 */
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { RuntimeFailure } from '../errors.js';
import type { ReportRequest } from './build.js';
import { generateReport, type GenerateOptions, type GenerateResult } from './generate.js';
import { LIST_ACCOUNTS_HINT, missingTelemetry } from './presence.js';

/**
 * What a report over an attached source must say about its window (src/source/coverage.ts): stretches the
 * source's rollups do not hold, followed by data (`holes`), or ending the window (`tails`), as sentences.
 */
export interface WindowGaps {
  holes: string[];
  tails: string[];
}

export type WindowGapCheck = (fromMs: number, toMs: number) => Promise<WindowGaps>;

export interface OnDemandOptions extends GenerateOptions {
  allowEmpty?: boolean;
  emptyHint?: string;
  /** Set when the report reads an attached source: which parts of the window it has not synced. */
  sourceGaps?: WindowGapCheck;
  /** Produce the report over a source's unsynced stretches (they are then named in its notes). */
  allowGaps?: boolean;
  gapsHint?: string;
}

export async function onDemandReport(target: ClickHouseTarget, req: ReportRequest, opts: OnDemandOptions): Promise<GenerateResult> {
  // An account never seen would get an all-clear report: refuse it unless asked (a quiet window is fine).
  const missing = opts.allowEmpty ? null : await missingTelemetry(target, req.accountId, req.zoneIds);
  if (missing) throw new RuntimeFailure(`${missing}; no report was written. ${opts.emptyHint ?? `Check the id (${LIST_ACCOUNTS_HINT})`}`);
  // A hole in a source's sync reads as a quiet stretch: refused unless asked, and then named like a tail.
  const gaps = opts.sourceGaps ? await opts.sourceGaps(req.window.fromMs, req.window.toMs) : { holes: [], tails: [] };
  if (gaps.holes.length && !opts.allowGaps) throw new RuntimeFailure(`${gaps.holes.join('; ')}; no report was written. ${opts.gapsHint ?? 'Sync the source first'}`);
  return generateReport(target, req, { ...opts, notes: [...(opts.notes ?? []), ...gaps.holes, ...gaps.tails] });
}

/** For a report that is sent (scheduled, or its preview): any stretch not synced fails it, to be retried once synced. */
export async function refuseWindowGaps(check: WindowGapCheck | undefined, fromMs: number, toMs: number, what: string): Promise<void> {
  if (!check) return;
  const gaps = await check(fromMs, toMs);
  const all = [...gaps.holes, ...gaps.tails];
  if (all.length) throw new RuntimeFailure(`held: ${all.join('; ')}; ${what}`);
}

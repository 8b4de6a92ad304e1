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

export async function onDemandReport(
  target: ClickHouseTarget, req: ReportRequest, opts: GenerateOptions & { allowEmpty?: boolean; emptyHint?: string },
): Promise<GenerateResult> {
  // An account never seen would get an all-clear report: refuse it unless asked (a quiet window is fine).
  const missing = opts.allowEmpty ? null : await missingTelemetry(target, req.accountId, req.zoneIds);
  if (missing) throw new RuntimeFailure(`${missing}; no report was written. ${opts.emptyHint ?? `Check the id (${LIST_ACCOUNTS_HINT})`}`);
  return generateReport(target, req, opts);
}

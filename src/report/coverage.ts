import type { ClickHouseTarget } from '../clickhouse/client.js';
import { toNumber } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';
import { toClickHouseTime } from '../clickhouse/time.js';
import type { Coverage, Layer } from './model.js';
import type { ReportRequest } from './build.js';

/** Data may stop this long before the window ends without the report calling it short (the last minute can be in flight). */
export const COVERAGE_TOLERANCE_SECONDS = 5 * 60;

/**
 * Which span the data covers, per layer: inside the window, and the last data seen at all. When the tenant's
 * data (any layer) stops before the window ends, beyond the tolerance, the rest of the window has not been
 * received yet or the tenant went silent: the report cannot tell which, so it says where the data stops
 * rather than letting the silence read as "no attack". The test is on the tenant's last data of any layer, not
 * per layer: security events (L7) are sparse by nature, and a quiet stretch of them is not a gap in delivery.
 */
export async function dataCoverage(target: ClickHouseTarget, req: ReportRequest): Promise<Coverage> {
  const rows = await selectRows<Record<string, unknown>>(target, 'report/coverage', {
    account: req.accountId, zones: req.zoneIds, from: toClickHouseTime(req.window.fromMs), to: toClickHouseTime(req.window.toMs),
  });
  // Minute starts; the data runs to the end of its last minute.
  const start = (v: unknown) => (toNumber(v) > 0 ? new Date(toNumber(v) * 1000).toISOString() : null);
  const end = (v: unknown) => (toNumber(v) > 0 ? new Date((toNumber(v) + 60) * 1000).toISOString() : null);
  const layers = (['L3/4', 'L7'] as Layer[]).map((layer) => {
    const r = rows.find((x) => x.layer === layer) ?? {};
    return { layer, firstInWindow: start(r.firstInWindow), lastInWindow: end(r.lastInWindow), lastSeen: end(r.lastSeen) };
  });
  const lastSeen = layers.map((l) => l.lastSeen).filter((x): x is string => x !== null).sort().at(-1) ?? null;
  const short = lastSeen === null ? 0 : (req.window.toMs - Date.parse(lastSeen)) / 1000;
  const dataEndsEarly = short > COVERAGE_TOLERANCE_SECONDS;
  return {
    layers,
    lastSeen,
    dataEndsEarly,
    dataEnd: dataEndsEarly ? lastSeen : null,
    missingSeconds: dataEndsEarly ? Math.min(short, (req.window.toMs - req.window.fromMs) / 1000) : 0,
  };
}

import type { ClickHouseTarget } from '../clickhouse/client.js';
import { toNumber } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';
import type { Series } from '../analysis/episodes.js';
import type { Layer } from './model.js';
import { toClickHouseTime, type ReportRequest } from './build.js';

/** Loads the per-(layer, vector) minute series of a tenant and window, the input of episode detection. */
export async function loadMinuteSeries(target: ClickHouseTarget, req: ReportRequest): Promise<Series[]> {
  const rows = await selectRows<{ layer: Layer; vector: string; minute: unknown; value: unknown }>(target, 'analysis/minute_series', {
    account: req.accountId,
    zones: req.zoneIds,
    from: toClickHouseTime(req.window.fromMs),
    to: toClickHouseTime(req.window.toMs),
  });
  const byKey = new Map<string, Series>();
  for (const r of rows) {
    const key = `${r.layer}\u0000${r.vector}`;
    let s = byKey.get(key);
    if (!s) byKey.set(key, (s = { layer: r.layer, vector: r.vector, points: [] }));
    s.points.push({ minute: toNumber(r.minute), value: toNumber(r.value) });
  }
  return [...byKey.values()];
}

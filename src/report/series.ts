import type { ClickHouseTarget } from '../clickhouse/client.js';
import { toNumber } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';
import type { Series } from '../analysis/episodes.js';
import type { Layer } from './model.js';
import type { ReportRequest } from './build.js';
import { toClickHouseTime } from '../clickhouse/time.js';

/** A minute of one (layer, vector) series with the measures an attack row needs besides the detection value. */
export interface MinuteMeasures {
  value: number;
  bytes: number;
  dropped: number;
  droppedBytes: number;
}

export interface LoadedSeries extends Series {
  /** Keyed by minute (unix seconds). */
  measures: Map<number, MinuteMeasures>;
}

/** Loads the per-(layer, vector) minute series of a tenant and window, the input of episode detection. */
export async function loadMinuteSeries(target: ClickHouseTarget, req: ReportRequest, layers: Layer[] = ['L3/4', 'L7']): Promise<LoadedSeries[]> {
  const rows = await selectRows<Record<string, unknown>>(target, 'analysis/minute_series', {
    account: req.accountId,
    zones: req.zoneIds,
    from: toClickHouseTime(req.window.fromMs),
    to: toClickHouseTime(req.window.toMs),
    layers,
  });
  const byKey = new Map<string, LoadedSeries>();
  for (const r of rows) {
    const layer = r.layer as Layer;
    const vector = String(r.vector);
    const key = `${layer}\u0000${vector}`;
    let s = byKey.get(key);
    if (!s) byKey.set(key, (s = { layer, vector, points: [], measures: new Map() }));
    const minute = toNumber(r.minute);
    s.points.push({ minute, value: toNumber(r.value) });
    s.measures.set(minute, { value: toNumber(r.value), bytes: toNumber(r.bytes), dropped: toNumber(r.dropped), droppedBytes: toNumber(r.droppedBytes) });
  }
  return [...byKey.values()];
}

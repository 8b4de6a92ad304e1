import type { ClickHouseTarget } from '../clickhouse/client.js';
import { toNumber } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';
import { UsageError } from '../errors.js';
import type { SourceDefinition, SourceLayer } from './types.js';

/**
 * Where each materialized-view layer of an attached source (`src`, the source's own target) starts counting:
 * its views count the rows at or after it, a sync fills what lies before. A layer attached by a version that
 * did not record it is refused: its views count every row inserted since attaching, whatever its time, so no
 * range could be backfilled without the risk of counting rows twice.
 */
export async function feedStarts(src: ClickHouseTarget, def: SourceDefinition): Promise<Map<SourceLayer, number>> {
  const viewLayers = (['l34', 'l7'] as SourceLayer[]).filter((l) => def[l]?.feed === 'materialized-view');
  const starts = new Map<SourceLayer, number>();
  if (!viewLayers.length) return starts;
  const exists = await selectRows<{ n: unknown }>(src, 'source/table_exists', { db: src.database, table: 'source_feeds' });
  if (toNumber(exists[0]?.n ?? 0) === 1) {
    for (const r of await selectRows<{ Layer: string; FeedFromMs: unknown }>(src, 'source/feeds_of')) starts.set(r.Layer as SourceLayer, toNumber(r.FeedFromMs));
  }
  for (const l of viewLayers) {
    if (!starts.has(l)) {
      throw new UsageError(`source ${def.name} ${l} was attached by an earlier version, which did not record where its materialized views start counting: detach and attach it again, then sync`);
    }
  }
  return starts;
}

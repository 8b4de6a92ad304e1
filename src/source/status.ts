/**
 * `source status`: where an attached source stands, for an operator or a monitoring check: per layer how it is
 * fed, where its views start counting, which stretches of a range its rollups do not hold yet, and the sync steps
 * an interrupted run left unfinished (the next sync repeats them).
 */
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';
import { sourceTarget } from './attach.js';
import { unsyncedRanges, type UnsyncedRange } from './coverage.js';
import { feedStarts } from './feeds.js';
import type { SourceDefinition, SourceLayer } from './types.js';

export interface LayerStatus {
  layer: SourceLayer;
  feed: 'materialized-view' | 'periodic';
  /** Where its views start counting (materialized-view feed). */
  feedFromMs?: number;
  unsynced: UnsyncedRange[];
  /** Sync steps started and never finished, on the server asked. */
  unfinished: number;
}

export interface SourceStatus {
  name: string;
  database: string;
  fromMs: number;
  toMs: number;
  layers: LayerStatus[];
  /** Stretches with data after them (not the tail a periodic sync has yet to reach): reports over them are refused. */
  holes: number;
}

export async function sourceStatus(store: ClickHouseTarget, def: SourceDefinition, fromMs: number, toMs: number): Promise<SourceStatus> {
  const src = sourceTarget(store, def);
  const feeds = await feedStarts(src, def);
  const unsynced = await unsyncedRanges(store, def, fromMs, toMs);
  const pending = await selectRows<{ Layer: string }>(src, 'source/sync_pending');
  const layers: LayerStatus[] = (['l34', 'l7'] as SourceLayer[]).filter((l) => def[l]).map((layer) => ({
    layer,
    feed: def[layer]!.feed,
    ...(feeds.has(layer) ? { feedFromMs: feeds.get(layer)! } : {}),
    unsynced: unsynced.filter((u) => u.layer === layer),
    unfinished: pending.filter((p) => p.Layer === layer).length,
  }));
  return { name: def.name, database: src.database, fromMs, toMs, layers, holes: unsynced.filter((u) => !u.tail).length };
}

const LAYER_NAME: Record<SourceLayer, string> = { l34: 'L3/4', l7: 'L7' };
const iso = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');

/** The status as the operator reads it. */
export function formatSourceStatus(s: SourceStatus): string {
  const out = [`source ${s.name} (database ${s.database}), ${iso(s.fromMs)} to ${iso(s.toMs)}`];
  for (const l of s.layers) {
    out.push(`  ${LAYER_NAME[l.layer]}: feed ${l.feed}${l.feedFromMs !== undefined ? `, counted by its materialized views from ${iso(l.feedFromMs)} on` : ''}`);
    if (l.unsynced.length === 0) out.push('    every stretch of the range is held');
    for (const u of l.unsynced) {
      out.push(`    ${u.tail ? 'not synced yet' : 'NOT SYNCED (hole)'}: ${iso(u.fromMs)} to ${iso(u.toMs)} (${Math.round((u.toMs - u.fromMs) / 60_000).toLocaleString('en')} min)`);
    }
    if (l.unfinished) out.push(`    ${l.unfinished} sync step(s) left unfinished by an interrupted sync: the next sync repeats them`);
  }
  out.push(s.holes ? `${s.holes} hole(s): reports over them are refused until synced (attack-report source sync --from … --to …)` : 'no holes');
  return `${out.join('\n')}\n`;
}


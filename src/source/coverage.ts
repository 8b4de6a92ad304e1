/**
 * Which parts of a report's window an attached source's rollups do not hold yet: the ranges `source sync` has
 * not read (for a periodic layer, the whole window; for a materialized-view layer, what lies before its feed
 * start). A report over them would count nothing there and read as quiet, so a scheduled run waits for the
 * sync (it fails and is retried) and an on-demand report refuses a hole unless asked, and names a tail.
 */
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { toNumber } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';
import { onEveryNode, sourceTarget, feedersOf } from './attach.js';
import { feedStarts } from './feeds.js';
import { gaps, type Range } from './sync-plan.js';
import type { SourceDefinition, SourceLayer } from './types.js';

export interface UnsyncedRange {
  layer: SourceLayer;
  fromMs: number;
  toMs: number;
  /** It runs to the window's end: rows not synced yet (the sync's horizon), rather than a hole in the middle. */
  tail: boolean;
}

/** What a report over a window must say, or refuse, about a source: `holes` have synced data after them, `tails` end the window. */
export interface SourceGaps {
  holes: string[];
  tails: string[];
}

const LAYER_NAME: Record<SourceLayer, string> = { l34: 'L3/4', l7: 'L7' };
const WHOLE = Number.MAX_SAFE_INTEGER;

/** The union of the ranges, merged and sorted. */
function union(ranges: Range[]): Range[] {
  const out: Array<[number, number]> = [];
  for (const [a, b] of [...ranges].sort((x, y) => x[0] - y[0])) {
    const last = out.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * The parts of [fromMs, toMs) that some rollup of a declared layer does not hold from the source. On a cluster
 * each server syncs its own shard and keeps its own ledger: a part missing on any server is missing.
 */
export async function unsyncedRanges(store: ClickHouseTarget, def: SourceDefinition, fromMs: number, toMs: number): Promise<UnsyncedRange[]> {
  if (!store.cluster) return unsyncedOn(store, def, fromMs, toMs);
  const all: UnsyncedRange[] = [];
  await onEveryNode(store, store.database, async (node) => { all.push(...(await unsyncedOn(node, def, fromMs, toMs))); });
  const out: UnsyncedRange[] = [];
  for (const layer of ['l34', 'l7'] as SourceLayer[]) {
    const mine = all.filter((r) => r.layer === layer).map((r): Range => [r.fromMs, r.toMs]);
    for (const [a, b] of union(mine)) out.push({ layer, fromMs: a, toMs: b, tail: b >= toMs && def[layer]!.feed === 'periodic' });
  }
  return out;
}

async function unsyncedOn(store: ClickHouseTarget, def: SourceDefinition, fromMs: number, toMs: number): Promise<UnsyncedRange[]> {
  const src = sourceTarget(store, def);
  const feeds = await feedStarts(src, def);
  const out: UnsyncedRange[] = [];
  for (const layer of ['l34', 'l7'] as SourceLayer[]) {
    if (!def[layer]) continue;
    const end = Math.min(toMs, feeds.get(layer) ?? Infinity);
    if (end <= fromMs) continue;
    const rows = await selectRows<{ Feeder: string; FromMs: unknown; ToMs: unknown }>(src, 'source/synced_ranges', { layer, fromMs, toMs: end });
    const missing: Range[] = [];
    for (const f of feedersOf(def).filter((x) => x.layer === layer)) {
      const done = rows.filter((r) => r.Feeder === f.name).map((r): Range => [toNumber(r.FromMs), toNumber(r.ToMs)]);
      missing.push(...gaps(fromMs, end, done, WHOLE));
    }
    // Only a periodic layer's end is rows still to come; a view layer's unsynced stretch is a backfill not run.
    for (const [a, b] of union(missing)) out.push({ layer, fromMs: a, toMs: b, tail: b >= toMs && def[layer]!.feed === 'periodic' });
  }
  return out;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');

function span(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes < 120 ? `${minutes} min` : minutes < 2 * 1440 ? `${Math.round(minutes / 60)} h` : `${Math.round(minutes / 1440)} days`;
}

/** The ranges as sentences for a report's notes and an operator's error. */
export function describeGaps(def: SourceDefinition, ranges: UnsyncedRange[], file?: string): SourceGaps {
  const sync = (r: UnsyncedRange) => `attack-report source sync --source ${file ?? '<definition>'} --from ${iso(r.fromMs)} --to ${iso(r.toMs)}`;
  const holes = ranges.filter((r) => !r.tail).map((r) =>
    `${LAYER_NAME[r.layer]} data of source ${def.name} is not synced from ${iso(r.fromMs)} to ${iso(r.toMs)} (${span(r.toMs - r.fromMs)}): the report counts nothing there (${sync(r)})`);
  const tails = ranges.filter((r) => r.tail).map((r) =>
    `${LAYER_NAME[r.layer]} data of source ${def.name} is synced only up to ${iso(r.fromMs)}: the report counts nothing in the window's last ${span(r.toMs - r.fromMs)}`);
  return { holes, tails };
}

/** The check a report over a configured source runs on its window (openEngines builds it once). */
export function sourceGapCheck(store: ClickHouseTarget, def: SourceDefinition, file?: string): (fromMs: number, toMs: number) => Promise<SourceGaps> {
  return async (fromMs, toMs) => describeGaps(def, await unsyncedRanges(store, def, fromMs, toMs), file);
}

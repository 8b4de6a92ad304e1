import type { ClickHouseTarget } from '../clickhouse/client.js';
import { selectRows, runCommand, runSql } from '../clickhouse/queries.js';
import { toClickHouseTime } from '../clickhouse/time.js';
import { toNumber } from '../clickhouse/client.js';
import { UsageError } from '../errors.js';
import { RAW_FILES } from './native.js';
import { feedersOf, onEveryNode, replaceRaw, sourceTarget, type Feeder } from './attach.js';
import { clusterStatements, LOCAL_SUFFIX, shardedNames } from '../clickhouse/cluster-ddl.js';
import { schemaFiles } from '../clickhouse/migrate.js';
import { feedStarts } from './feeds.js';
import { gaps, syncEnd, type Range } from './sync-plan.js';
import type { SourceDefinition, SourceLayer } from './types.js';

export interface SyncProgress {
  /** Steps (one feeder over one range) done so far, and in all. */
  done: number;
  total: number;
  layer: SourceLayer;
  feeder: string;
  fromMs: number;
  toMs: number;
  /** True when the step repeats one an earlier run started and did not finish. */
  repeated: boolean;
}

export interface SyncOptions {
  fromMs: number;
  toMs: number;
  /** Chunk length: one step reads at most one chunk; chunks start at multiples of it (UTC). Default 6 h. */
  chunkMs?: number;
  /**
   * Rows are read only before this instant (now less the time rows take to arrive): a range once synced is not
   * read again, so a row arriving after its range was read would be missed (it is found and reported: `late`).
   */
  horizonMs?: number;
  /** Which declared layers to fill (default: every declared one). */
  layers?: SourceLayer[];
  onProgress?: (p: SyncProgress) => void;
  /** Stop (resumably) after this many INSERTs: bounds one run's work. */
  maxInserts?: number;
  /** Called after each INSERT, before its `done` row: a test injects a crash here. */
  afterInsert?: (step: SyncProgress) => void;
  /** Set by syncEveryShard: the target is one server of this cluster, and reads and writes its `_local` tables. */
  shardOf?: string;
}

/** A finished range whose provider rows grew after it was read: the extra rows are in no rollup. */
export interface LateRows {
  layer: SourceLayer;
  fromMs: number;
  toMs: number;
  counted: number;
  now: number;
}

export interface SyncResult {
  inserted: number;
  /** Steps an earlier run started and did not finish, done again here first (with the same deduplication token). */
  repeated: number;
  /** False when maxInserts stopped the run before every step was done: run again to go on. */
  complete: boolean;
  /** Per layer, where the range read stopped and why, when it stopped before the asked end. */
  cut: Array<{ layer: SourceLayer; atMs: number; why: 'horizon' | 'materialized views' }>;
  late: LateRows[];
}

const DEFAULT_CHUNK_MS = 6 * 3_600_000;

interface Step {
  feeder: Feeder;
  range: Range;
  repeated: boolean;
}

/**
 * Fills the source's rollups from the provider's table over [fromMs, toMs): for each range and each native
 * feeder, INSERT INTO the rollup the feeder's SELECT over the projection of that range (rollups chained on
 * rollups, like the daily cubes, follow through their own views). This is the periodic feed, and the backfill of
 * a materialized-view layer up to where its views start counting (`source_feeds`, set at attach): rows from
 * there on are theirs, so a sync never reads them.
 *
 * Counts nothing twice: each (feeder, range) is marked `started` before its INSERT and `done` after; a sync reads
 * only what no `done` range covers (gaps), whatever chunk lengths earlier runs used, and first repeats every
 * `started` one with its own bounds and insert_deduplication_token, which the rollups
 * (non_replicated_deduplication_window) and their dependent views discard when the INSERT had completed. The
 * token covers the INSERT block by block, so a chunk's rollup rows should fit one insert block (about a million
 * rows): keep chunks small enough.
 */
export async function syncSource(target: ClickHouseTarget, def: SourceDefinition, opts: SyncOptions): Promise<SyncResult> {
  if (target.cluster) return syncEveryShard(target, def, opts);
  const chunkMs = opts.chunkMs ?? DEFAULT_CHUNK_MS;
  if (!(chunkMs >= 60_000) || !Number.isInteger(chunkMs)) throw new UsageError(`chunk length ${chunkMs} ms: give a whole number of milliseconds, at least one minute`);
  if (!(opts.toMs > opts.fromMs)) throw new UsageError(`sync window ${opts.fromMs}..${opts.toMs}: the end must be after the start`);
  const layers = opts.layers ?? (['l34', 'l7'] as SourceLayer[]).filter((l) => def[l]);
  for (const l of layers) if (!def[l]) throw new UsageError(`source ${def.name} declares no ${l} table: nothing to sync there`);
  const src = sourceTarget(target, def);
  await runCommand(src, 'source/sync_chunks_upgrade');
  const feeds = await feedStarts(src, def);
  const feeders = feedersOf(def).filter((f) => layers.includes(f.layer));
  const result: SyncResult = { inserted: 0, repeated: 0, complete: true, cut: [], late: [] };

  const pending = await selectRows<{ Layer: string; Feeder: string; FromMs: unknown; ToMs: unknown }>(src, 'source/sync_pending');
  const steps: Step[] = [];
  for (const p of pending) {
    const feeder = feeders.find((f) => f.layer === p.Layer && f.name === p.Feeder);
    if (feeder) steps.push({ feeder, range: [toNumber(p.FromMs), toNumber(p.ToMs)], repeated: true });
  }

  const counter = rowCounter(src, opts.shardOf ? LOCAL_SUFFIX : '');
  for (const layer of layers) {
    const feedFromMs = feeds.get(layer);
    const endMs = syncEnd(opts.toMs, opts.horizonMs, feedFromMs);
    if (endMs < opts.toMs) result.cut.push({ layer, atMs: Math.max(endMs, opts.fromMs), why: endMs === feedFromMs ? 'materialized views' : 'horizon' });
    if (endMs <= opts.fromMs) continue;
    const rows = await selectRows<{ Feeder: string; FromMs: unknown; ToMs: unknown; Done: unknown; Rows: unknown }>(src, 'source/sync_done', { layer, fromMs: opts.fromMs, toMs: endMs });
    const done = rows.filter((r) => toNumber(r.Done) === 1);
    for (const f of feeders.filter((x) => x.layer === layer)) {
      // An unfinished range is repeated with its own bounds (above): the gaps are what neither covers, however
      // this run cuts its chunks.
      const repeating = steps.filter((x) => x.repeated && x.feeder === f).map((x) => x.range);
      const mine = done.filter((r) => r.Feeder === f.name).map((r): Range => [toNumber(r.FromMs), toNumber(r.ToMs)]);
      for (const range of gaps(opts.fromMs, endMs, [...mine, ...repeating], chunkMs)) steps.push({ feeder: f, range, repeated: false });
    }
    result.late.push(...(await lateRows(layer, done, counter)));
  }

  const columns = new Map<string, string[]>();
  let n = 0;
  for (const s of steps) {
    if (opts.maxInserts !== undefined && result.inserted >= opts.maxInserts) return { ...result, complete: false };
    const { layer } = s.feeder;
    const [fromMs, toMs] = s.range;
    const p: SyncProgress = { done: ++n, total: steps.length, layer, feeder: s.feeder.name, fromMs, toMs, repeated: s.repeated };
    // Counted before reading: a row arriving during the INSERT then shows as late (reported) rather than hidden.
    const held = await counter(layer, fromMs, toMs);
    if (!s.repeated) await runCommand(src, 'source/sync_mark', { layer, feeder: s.feeder.name, fromMs, toMs, state: 'started', rows: null });
    await insertRange(src, def.name, s.feeder, fromMs, toMs, columns, opts.shardOf);
    opts.afterInsert?.(p);
    await runCommand(src, 'source/sync_mark', { layer, feeder: s.feeder.name, fromMs, toMs, state: 'done', rows: held });
    result.inserted++;
    if (s.repeated) result.repeated++;
    opts.onProgress?.(p);
  }
  return result;
}

type RowCounter = (layer: SourceLayer, fromMs: number, toMs: number) => Promise<number>;

/** The provider rows of a layer in a range, through the projection (its filter included); each range counted once per run. */
function rowCounter(src: ClickHouseTarget, suffix: string): RowCounter {
  const seen = new Map<string, Promise<number>>();
  return (layer, fromMs, toMs) => {
    const key = `${layer}/${fromMs}/${toMs}`;
    let n = seen.get(key);
    if (!n) {
      n = selectRows<{ n: unknown }>(src, 'source/rows_between', { raw: `${RAW_FILES[layer].table}${suffix}`, syncFrom: toClickHouseTime(fromMs), syncTo: toClickHouseTime(toMs) }).then((r) => toNumber(r[0]?.n ?? 0));
      seen.set(key, n);
    }
    return n;
  };
}

/** Finished ranges (with a recorded count) whose provider rows have grown since they were read. */
async function lateRows(layer: SourceLayer, done: Array<{ FromMs: unknown; ToMs: unknown; Rows: unknown }>, count: RowCounter): Promise<LateRows[]> {
  const counted = new Map<string, { fromMs: number; toMs: number; counted: number }>();
  for (const r of done) {
    if (r.Rows === null || r.Rows === undefined) continue;
    const fromMs = toNumber(r.FromMs);
    const toMs = toNumber(r.ToMs);
    const key = `${fromMs}/${toMs}`;
    const c = toNumber(r.Rows);
    // Feeders of one range read at different times may have seen different counts: the smallest tells most.
    const prev = counted.get(key);
    if (!prev || c < prev.counted) counted.set(key, { fromMs, toMs, counted: c });
  }
  const late: LateRows[] = [];
  for (const r of counted.values()) {
    const now = await count(layer, r.fromMs, r.toMs);
    if (now > r.counted) late.push({ layer, ...r, now });
  }
  return late;
}

/** One feeder's SELECT over one range of the projection, inserted into its rollup under a token of its own. */
async function insertRange(src: ClickHouseTarget, name: string, f: Feeder, fromMs: number, toMs: number, columns: Map<string, string[]>, shardOf?: string): Promise<void> {
  const raw = RAW_FILES[f.layer].table;
  const select = replaceRaw(f.select, f.layer, `(SELECT * FROM {db:Identifier}.${raw} WHERE Datetime >= {syncFrom:DateTime64(3)} AND Datetime < {syncTo:DateTime64(3)})`);
  const params = { syncFrom: toClickHouseTime(fromMs), syncTo: toClickHouseTime(toMs) };
  let names = columns.get(f.name);
  if (!names) {
    // INSERT ... SELECT matches columns by position; the feeders name theirs as the rollup does, so list them.
    const described = await src.client.query({ query: `DESCRIBE TABLE (${select.replaceAll('{db:Identifier}', `\`${src.database}\``)})`, query_params: params, format: 'JSONEachRow' });
    names = (await described.json<{ name: string }>()).map((r) => r.name);
    columns.set(f.name, names);
  }
  let insert = `INSERT INTO {db:Identifier}.${f.table} (${names.map((n) => `\`${n}\``).join(', ')})\n${select}`;
  if (shardOf) insert = shardLocal(f.name, insert, shardOf);
  await runSql(src, insert, params, `source ${name}: sync ${f.name}`, {
    settings: {
      insert_deduplicate: 1,
      insert_deduplication_token: `${src.database}:${f.name}:${fromMs}:${toMs}`,
      deduplicate_blocks_in_dependent_materialized_views: 1,
    },
  });
}

/** The INSERT in its cluster form (cluster-ddl.ts): the shard's own projected rows into its own rollup. */
function shardLocal(name: string, insert: string, cluster: string): string {
  const [local] = clusterStatements(name, insert, cluster, shardedNames(schemaFiles().map((f) => f.sql)));
  return local!;
}

/**
 * syncSource on a cluster: each server fills its own rollups (`_local`) from its own rows of the provider's
 * table (the source's `_local` projection over localTable), with its own ledger and feed starts, as the native
 * cluster backfill does; the Distributed tables then read every shard's rows once. Servers in turn; a stop
 * (maxInserts, a crash) resumes on each where it stopped.
 */
async function syncEveryShard(target: ClickHouseTarget, def: SourceDefinition, opts: SyncOptions): Promise<SyncResult> {
  const cluster = target.cluster!;
  const result: SyncResult = { inserted: 0, repeated: 0, complete: true, cut: [], late: [] };
  await onEveryNode(target, target.database, async (node, i) => {
    if (!result.complete) return;
    const left = opts.maxInserts === undefined ? {} : { maxInserts: opts.maxInserts - result.inserted };
    const onProgress = opts.onProgress && ((p: SyncProgress) => opts.onProgress!({ ...p, done: i * p.total + p.done, total: cluster.nodes.length * p.total }));
    const r = await syncSource(node, def, { ...opts, ...left, ...(onProgress ? { onProgress } : {}), shardOf: cluster.name });
    result.inserted += r.inserted;
    result.repeated += r.repeated;
    result.complete = r.complete;
    // Where the range stops is the same on every server (the horizon, the feed start); late rows are each shard's.
    if (i === 0) result.cut.push(...r.cut);
    result.late.push(...r.late);
  });
  return result;
}

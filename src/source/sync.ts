import type { ClickHouseTarget } from '../clickhouse/client.js';
import { selectRows, runCommand, runSql } from '../clickhouse/queries.js';
import { toClickHouseTime } from '../clickhouse/time.js';
import { toNumber } from '../clickhouse/client.js';
import { UsageError } from '../errors.js';
import { RAW_FILES } from './native.js';
import { feedersOf, onEveryNode, replaceRaw, sourceTarget, type Feeder } from './attach.js';
import { clusterStatements, shardedNames } from '../clickhouse/cluster-ddl.js';
import { schemaFiles } from '../clickhouse/migrate.js';
import type { SourceDefinition, SourceLayer } from './types.js';

export interface SyncProgress {
  /** Steps (one feeder over one chunk) done or skipped so far, and in all. */
  done: number;
  total: number;
  layer: SourceLayer;
  feeder: string;
  fromMs: number;
  toMs: number;
  /** True when the step was already in the ledger (a resumed backfill). */
  skipped: boolean;
}

export interface SyncOptions {
  fromMs: number;
  toMs: number;
  /** Chunk length; chunks start at multiples of it (UTC), so that every run cuts the same chunks. Default 6 h. */
  chunkMs?: number;
  /** Which declared layers to fill (default: every periodic one, and every one when `backfill` is set). */
  layers?: SourceLayer[];
  onProgress?: (p: SyncProgress) => void;
  /** Stop (resumably) after this many INSERTs: bounds one run's work. */
  maxInserts?: number;
  /** Called after each INSERT, before its ledger row: a test injects a crash here. */
  afterInsert?: (step: SyncProgress) => void;
  /** Set by syncEveryShard: the target is one server of this cluster, and reads and writes its `_local` tables. */
  shardOf?: string;
}

export interface SyncResult {
  inserted: number;
  skipped: number;
  /** False when maxInserts stopped the run before every chunk was done: run again to go on. */
  complete: boolean;
}

const DEFAULT_CHUNK_MS = 6 * 3_600_000;

/**
 * Fills the source's rollups from the provider's table over [fromMs, toMs): for each chunk of time and each
 * native feeder, INSERT INTO the rollup the feeder's SELECT over the projection of that chunk (rollups chained
 * on rollups, like the daily cubes, follow through their own views). This is the periodic feed, and the backfill
 * of a materialized-view source for rows that were in the provider's table before attaching (a range holding
 * rows inserted after attaching would count them twice: their materialized views already did).
 *
 * Resumable without double counting: each (feeder, chunk) is recorded in source_sync_chunks after its INSERT
 * and skipped when found there; an INSERT that completed without its record (a crash between the two) is
 * repeated with the same insert_deduplication_token, which the rollups (non_replicated_deduplication_window)
 * and their dependent views discard. The token covers the INSERT block by block, so a chunk's rollup rows
 * should fit one insert block (about a million rows): keep chunks small enough.
 */
export async function syncSource(target: ClickHouseTarget, def: SourceDefinition, opts: SyncOptions): Promise<SyncResult> {
  if (target.cluster) return syncEveryShard(target, def, opts);
  const chunkMs = opts.chunkMs ?? DEFAULT_CHUNK_MS;
  if (!(chunkMs >= 60_000) || !Number.isInteger(chunkMs)) throw new UsageError(`chunk length ${chunkMs} ms: give a whole number of milliseconds, at least one minute`);
  if (!(opts.toMs > opts.fromMs)) throw new UsageError(`sync window ${opts.fromMs}..${opts.toMs}: the end must be after the start`);
  const layers = opts.layers ?? (['l34', 'l7'] as SourceLayer[]).filter((l) => def[l]);
  for (const l of layers) if (!def[l]) throw new UsageError(`source ${def.name} declares no ${l} table: nothing to sync there`);
  const src = sourceTarget(target, def);
  const feeders = feedersOf(def).filter((f) => layers.includes(f.layer));
  const chunks: Array<[number, number]> = [];
  for (let s = Math.floor(opts.fromMs / chunkMs) * chunkMs; s < opts.toMs; s += chunkMs) chunks.push([s, s + chunkMs]);

  const done = new Set<string>();
  for (const layer of layers) {
    const rows = await selectRows<{ Feeder: string; FromMs: unknown; ToMs: unknown }>(src, 'source/sync_done', { layer, fromMs: chunks[0]![0], toMs: chunks.at(-1)![1] });
    for (const r of rows) {
      const [f, t] = [toNumber(r.FromMs), toNumber(r.ToMs)];
      // A chunk cut differently (another chunk length) would overlap rows already counted: refuse rather than guess.
      if (f % chunkMs !== 0 || t - f !== chunkMs) {
        throw new UsageError(`source ${def.name} ${layer}: an earlier sync used chunks of ${t - f} ms (${toClickHouseTime(f)}..${toClickHouseTime(t)}): sync with chunkMs ${t - f}`);
      }
      done.add(`${layer}/${r.Feeder}/${f}`);
    }
  }

  const columns = new Map<string, string[]>();
  const total = chunks.length * feeders.length;
  const result: SyncResult = { inserted: 0, skipped: 0, complete: true };
  let step = 0;
  for (const [fromMs, toMs] of chunks) {
    for (const f of feeders) {
      const p: SyncProgress = { done: ++step, total, layer: f.layer, feeder: f.name, fromMs, toMs, skipped: done.has(`${f.layer}/${f.name}/${fromMs}`) };
      if (p.skipped) {
        result.skipped++;
        opts.onProgress?.(p);
        continue;
      }
      if (opts.maxInserts !== undefined && result.inserted >= opts.maxInserts) return { ...result, complete: false };
      await insertChunk(src, def.name, f, fromMs, toMs, columns, opts.shardOf);
      opts.afterInsert?.(p);
      await runCommand(src, 'source/sync_mark', { layer: f.layer, feeder: f.name, fromMs, toMs });
      result.inserted++;
      opts.onProgress?.(p);
    }
  }
  return result;
}

/** One feeder's SELECT over one chunk of the projection, inserted into its rollup under a token of its own. */
async function insertChunk(src: ClickHouseTarget, name: string, f: Feeder, fromMs: number, toMs: number, columns: Map<string, string[]>, shardOf?: string): Promise<void> {
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
  await runSql(src, insert, params, `source ${name}: backfill ${f.name}`, {
    settings: {
      insert_deduplicate: 1,
      insert_deduplication_token: `${src.database}:${f.name}:${fromMs}:${toMs}`,
      deduplicate_blocks_in_dependent_materialized_views: 1,
    },
  });
}

/** The INSERT in its cluster form (cluster-ddl.ts): the shard's own projection rows into its own rollup. */
function shardLocal(name: string, insert: string, cluster: string): string {
  const [local] = clusterStatements(name, insert, cluster, shardedNames(schemaFiles().map((f) => f.sql)));
  return local!;
}

/**
 * syncSource on a cluster: each server fills its own rollups (`_local`) from its own rows of the provider's
 * table (the source's `_local` projection over localTable), and keeps its own ledger, as the native cluster
 * backfill does; the Distributed tables then read every shard's rows once. Servers in turn, a stop (maxInserts,
 * a crash) resumable on each.
 */
async function syncEveryShard(target: ClickHouseTarget, def: SourceDefinition, opts: SyncOptions): Promise<SyncResult> {
  const cluster = target.cluster!;
  const result: SyncResult = { inserted: 0, skipped: 0, complete: true };
  await onEveryNode(target, target.database, async (node, i) => {
    if (!result.complete) return;
    const left = opts.maxInserts === undefined ? {} : { maxInserts: opts.maxInserts - result.inserted };
    const onProgress = opts.onProgress && ((p: SyncProgress) => opts.onProgress!({ ...p, done: i * p.total + p.done, total: cluster.nodes.length * p.total }));
    const r = await syncSource(node, def, { ...opts, ...left, ...(onProgress ? { onProgress } : {}), shardOf: cluster.name });
    result.inserted += r.inserted;
    result.skipped += r.skipped;
    result.complete = r.complete;
  });
  return result;
}

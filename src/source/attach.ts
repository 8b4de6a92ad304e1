import type { ClickHouseTarget } from '../clickhouse/client.js';
import { closeNodes, connectClusterNodes, schemaFiles, type SchemaFile } from '../clickhouse/migrate.js';
import { clusterStatements, LOCAL_SUFFIX, shardedNames } from '../clickhouse/cluster-ddl.js';
import { toNumber } from '../clickhouse/client.js';
import { runCommand, runSql, selectRows } from '../clickhouse/queries.js';
import { toClickHouseTime } from '../clickhouse/time.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import { RAW_FILES } from './native.js';
import { projectionSql } from './projection.js';
import type { LayerSource, SourceDefinition, SourceLayer } from './types.js';

const LAYERS: SourceLayer[] = ['l34', 'l7'];
/** The tenant directory's schema file: in a source's database, a view of the store's own directory. */
const TENANTS_FILE = '030_tenants';

/** The database a source is attached into: `<target database>_src_<name>`. */
export function sourceDatabase(target: ClickHouseTarget, def: SourceDefinition): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(def.name)) throw new UsageError(`source name ${JSON.stringify(def.name)} is not a plain identifier (letters, digits, _): it names a database`);
  return `${target.database}_src_${def.name}`;
}

/** The same connection, reading and writing the source's database: what the report pipeline runs against. */
export function sourceTarget(target: ClickHouseTarget, def: SourceDefinition): ClickHouseTarget {
  return { ...target, database: sourceDatabase(target, def), description: `${target.description}, source ${def.name}` };
}

/** The attached source's target, or a refusal saying how to attach it: what reports from a source run against. */
export async function attachedTarget(target: ClickHouseTarget, def: SourceDefinition, file: string): Promise<ClickHouseTarget> {
  const src = sourceTarget(target, def);
  const rows = await selectRows<{ n: number | string }>(target, 'source/database_exists', { name: src.database });
  if (Number(rows[0]?.n ?? 0) === 0) throw new UsageError(`source ${def.name} (${file}) is not attached in ${target.description}: run \`attack-report source attach --source ${file}\` first`);
  return src;
}

/**
 * A native materialized view that reads a raw table: what feeds one rollup from raw rows. Its SELECT, with the
 * raw table replaced, is both the source's materialized view and the backfill's INSERT ... SELECT.
 */
export interface Feeder {
  layer: SourceLayer;
  /** The native view's name (e.g. net_1m_mv), also the name of the source's view and of its backfill steps. */
  name: string;
  /** The rollup it writes. */
  table: string;
  /** The native SELECT, `{db:Identifier}` unreplaced. */
  select: string;
}

const MV_RE = /CREATE MATERIALIZED VIEW IF NOT EXISTS \{db:Identifier\}\.(\w+) TO \{db:Identifier\}\.(\w+) AS\s*\n([\s\S]*)$/;

function rawRef(layer: SourceLayer): RegExp {
  return new RegExp(`\\{db:Identifier\\}\\.${RAW_FILES[layer].table}\\b`, 'g');
}

/** The feeder a schema file defines, if it is a materialized view over a raw table. */
function feederOf(file: SchemaFile): Feeder | undefined {
  const m = MV_RE.exec(file.sql.trim().replace(/;\s*$/, ''));
  if (!m) return undefined;
  const layer = LAYERS.find((l) => rawRef(l).test(m[3]!));
  return layer && { layer, name: m[1]!, table: m[2]!, select: m[3]! };
}

/** Every native feeder of the layers `def` declares, in schema order. */
export function feedersOf(def: SourceDefinition): Feeder[] {
  return schemaFiles().map(feederOf).filter((f): f is Feeder => f !== undefined && def[f.layer] !== undefined);
}

/** `select` reading `replacement` (a parenthesized SELECT) wherever it read the layer's raw table. */
export function replaceRaw(select: string, layer: SourceLayer, replacement: string): string {
  return select.replace(rawRef(layer), () => replacement);
}

export interface AttachResult {
  database: string;
  /** Schema files restated in the source database (views, rollups, feeders), by name. */
  created: string[];
  /** The feeders created as materialized views on the provider's tables. */
  materializedViews: string[];
  /** The feeders left to syncSource (periodic feed), by name. */
  periodic: string[];
  /** Where the materialized views start counting (rows at or after it); undefined without any. */
  feedFromMs?: number;
}

export interface AttachOptions {
  onStep?: (name: string) => void;
  /**
   * Where the materialized views start counting: rows whose time is at or after it are theirs, earlier ones are
   * left to `source sync`. Default: the next whole minute after attaching plus one (on the server's clock), so
   * that no row already in the provider's table is at or after it. An earlier instant is accepted only while no
   * row at or after it is in the provider's table yet (those would be counted by neither).
   */
  feedFromMs?: number;
}

/** The default feed start: the second whole minute after `nowMs` (the views exist well before it). */
export function defaultFeedStart(nowMs: number): number {
  return (Math.floor(nowMs / 60_000) + 2) * 60_000;
}

/** `select`'s raw table replaced by the projection of rows at or after the feed start: a source view's SELECT. */
function fedSelect(feeder: Feeder, decl: LayerSource, feedFromMs: number): string {
  return replaceRaw(feeder.select, feeder.layer,
    `(\nSELECT * FROM (\n${projectionSql(feeder.layer, decl)}\n)\nWHERE Datetime >= toDateTime64('${toClickHouseTime(feedFromMs)}', 3, 'UTC')\n)`);
}

async function serverNow(target: ClickHouseTarget): Promise<number> {
  return toNumber((await selectRows<{ nowMs: unknown }>(target, 'source/server_now'))[0]?.nowMs ?? 0);
}

function check(def: SourceDefinition, target: ClickHouseTarget): void {
  if (!def.l34 && !def.l7) throw new UsageError(`source ${def.name} declares neither l34 nor l7: give at least one table`);
  for (const layer of LAYERS) {
    const src = def[layer];
    if (src?.tableFunction && src.feed === 'materialized-view') {
      throw new UsageError(`source ${def.name} ${layer}: a table function (${src.table}) cannot trigger a materialized view: use feed: periodic`);
    }
    if (src && target.cluster && !src.localTable) {
      // Each shard's view must read only that shard's rows, or a report through the Distributed view counts them once per shard.
      throw new UsageError(
        `source ${def.name} ${layer}: on cluster ${target.cluster.name} the source needs localTable, the shard-local table (database.table on every server) that ${src.table} spreads over` +
          (src.tableFunction ? '; a table function has none: attach it on a single server' : ''),
      );
    }
  }
}

/** The layer as the source's statements read it: on a cluster, each shard reads its own table (localTable). */
function onShard(src: LayerSource | undefined, target: ClickHouseTarget): LayerSource | undefined {
  return src && target.cluster && src.localTable ? { ...src, table: src.localTable } : src;
}

/** The servers a source's objects live on, each connection on the source's database: one, or every server of a cluster. */
interface SourceServers {
  all: ClickHouseTarget[];
  /** The cluster's name when the statements take their cluster form. */
  cluster?: string;
  close: () => Promise<void>;
}

async function sourceServers(target: ClickHouseTarget, src: ClickHouseTarget): Promise<SourceServers> {
  if (!target.cluster) return { all: [src], close: async () => undefined };
  const nodes = await connectClusterNodes(target, target.cluster);
  return { all: nodes.map((n) => ({ ...n, database: src.database, description: `${n.description}, database ${src.database}` })), cluster: target.cluster.name, close: () => closeNodes(nodes) };
}

/**
 * One schema file's statement, as restated for the source, run where the native schema would have it: on one
 * server as it is; on a cluster, on every server in its cluster form (cluster-ddl.ts: `_local` tables and views
 * under Distributed ones, materialized views between a shard's own tables), as migrate does.
 */
async function runOnServers(on: SourceServers, name: string, file: string, sql: string): Promise<void> {
  const statements = on.cluster ? clusterStatements(file, sql, on.cluster, shardedNames(schemaFiles().map((f) => f.sql))) : [sql];
  for (const t of on.all) {
    for (const [i, stmt] of statements.entries()) await runSql(t, stmt, {}, `source ${name}: ${file}${i ? ` (statement ${i + 1})` : ''}`);
  }
}

/** Runs `fn` on every server of the target's cluster in turn, each connection on `database`. */
export async function onEveryNode(target: ClickHouseTarget, database: string, fn: (node: ClickHouseTarget, index: number) => Promise<void>): Promise<void> {
  const on = await sourceServers(target, { ...target, database });
  try {
    for (const [i, node] of on.all.entries()) await fn(node, i);
  } finally {
    await on.close();
  }
}

/**
 * Creates the source's database and, in it, the native schema with the provider's tables in place of the raw
 * ones: each declared layer's raw table becomes a VIEW projecting the provider's table (projection.ts), every
 * other object is the native DDL in the source's database, and each feeder over a raw table becomes a
 * materialized view on the provider's table counting the rows at or after the feed start (feed: materialized-view,
 * the start recorded in source_feeds for syncSource, which fills what lies before it) or is left to syncSource
 * (periodic). A
 * layer the source does not declare keeps the native (empty) raw table, so the reports read zero there. The
 * tenant directory (display names) is a view of the store's own, so names loaded once serve every source. The
 * native backfills are not run: syncSource backfills in bounded chunks. Idempotent (IF NOT EXISTS): changing a
 * definition means dropping the source's database and attaching again. On a cluster every server gets the
 * cluster form of the same statements (runOnServers) and its own ledgers, the views reading the shard's own
 * `localTable` (so the materialized views trigger on it).
 */
export async function attachSource(target: ClickHouseTarget, def: SourceDefinition, opts: AttachOptions = {}): Promise<AttachResult> {
  check(def, target);
  const src = sourceTarget(target, def);
  const on = await sourceServers(target, src);
  try {
    return await attachOn(on, target, src, def, opts);
  } finally {
    await on.close();
  }
}

async function attachOn(on: SourceServers, target: ClickHouseTarget, src: ClickHouseTarget, def: SourceDefinition, opts: AttachOptions): Promise<AttachResult> {
  const viewLayers = LAYERS.filter((l) => def[l]?.feed === 'materialized-view');
  const feedFromMs = viewLayers.length ? (opts.feedFromMs ?? defaultFeedStart(await serverNow(target))) : undefined;
  const result: AttachResult = { database: src.database, created: [], materializedViews: [], periodic: [], ...(feedFromMs !== undefined ? { feedFromMs } : {}) };
  for (const file of schemaFiles()) {
    if (file.name.endsWith('_backfill')) continue;
    const rawLayer = LAYERS.find((l) => RAW_FILES[l].file === file.name);
    const feeder = feederOf(file);
    const layer = rawLayer ?? feeder?.layer;
    const decl = layer ? onShard(def[layer], target) : undefined;
    let sql = file.sql.trim().replace(/;\s*$/, '');
    if (file.name === TENANTS_FILE) {
      // Display names are the deployment's, not the source's: one directory, filled once, for every source.
      // (On a cluster, each shard's view reads the store's shard of it, under a Distributed table as any view.)
      sql = `CREATE VIEW IF NOT EXISTS {db:Identifier}.tenants AS SELECT * FROM \`${target.database}\`.tenants${target.cluster ? LOCAL_SUFFIX : ''}`;
    } else if (rawLayer && decl) {
      sql = `CREATE VIEW IF NOT EXISTS {db:Identifier}.${RAW_FILES[rawLayer].table} AS\n${projectionSql(rawLayer, decl)}`;
    } else if (feeder && decl) {
      if (decl.feed === 'periodic') {
        result.periodic.push(feeder.name);
        continue;
      }
      if (!result.materializedViews.length) {
        for (const t of on.all) await runCommand(t, 'source/feeds');
        if (opts.feedFromMs !== undefined) await refuseRowsFrom(target, src, def, viewLayers, opts.feedFromMs);
      }
      sql = `CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.${feeder.name} TO {db:Identifier}.${feeder.table} AS\n${fedSelect(feeder, decl, feedFromMs!)}`;
      result.materializedViews.push(feeder.name);
    }
    opts.onStep?.(file.name);
    await runOnServers(on, def.name, file.name, sql);
    result.created.push(file.name);
  }
  for (const t of on.all) await runCommand(t, 'source/sync_chunks');
  if (feedFromMs !== undefined) {
    // Checked after the views exist: a row at or after the start inserted before them would be counted by nothing.
    if (opts.feedFromMs === undefined && (await serverNow(target)) >= feedFromMs) {
      await detachSource(target, def);
      throw new RuntimeFailure(`attaching source ${def.name} took past its feed start (${new Date(feedFromMs).toISOString()}): rows of that minute might be counted by neither the views nor a sync, so it was undone; attach again`);
    }
    for (const layer of viewLayers) for (const t of on.all) await runCommand(t, 'source/feed_mark', { layer, feedFromMs });
  }
  return result;
}

/** Refuses an explicit feed start while the provider's table holds rows at or after it: they would be counted by neither. */
async function refuseRowsFrom(target: ClickHouseTarget, src: ClickHouseTarget, def: SourceDefinition, layers: SourceLayer[], feedFromMs: number): Promise<void> {
  for (const layer of layers) {
    const n = toNumber((await selectRows<{ n: unknown }>(src, 'source/rows_from', { raw: RAW_FILES[layer].table, from: toClickHouseTime(feedFromMs) }))[0]?.n ?? 0);
    if (n > 0) {
      await detachSource(target, def);
      throw new UsageError(`source ${def.name} ${layer}: ${n} row(s) at or after the feed start ${new Date(feedFromMs).toISOString()} are in your table already; the materialized views would not see them and a sync stops at the feed start. Give a later feed start (or none: the next minutes)`);
    }
  }
}

/**
 * Drops the source's database: its views, rollups and ledger, and with them the materialized views on the
 * provider's tables (so the provider's inserts no longer feed anything), on every server of a cluster. The
 * provider's tables are not touched.
 */
export async function detachSource(target: ClickHouseTarget, def: SourceDefinition): Promise<void> {
  const src = sourceTarget(target, def);
  await onEveryNode(target, src.database, (t) => runSql(t, 'DROP DATABASE IF EXISTS {db:Identifier}', {}, `source ${def.name}: detach`));
}

import type { ClickHouseTarget } from '../clickhouse/client.js';
import { closeNodes, connectClusterNodes, schemaFiles, type SchemaFile } from '../clickhouse/migrate.js';
import { clusterStatements, shardedNames } from '../clickhouse/cluster-ddl.js';
import { runCommand, runSql, selectRows } from '../clickhouse/queries.js';
import { UsageError } from '../errors.js';
import { RAW_FILES } from './native.js';
import { projectionSql } from './projection.js';
import type { LayerSource, SourceDefinition, SourceLayer } from './types.js';

const LAYERS: SourceLayer[] = ['l34', 'l7'];

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

/**
 * Runs one schema file's statement, as restated for the source, where the native schema would have it: on one
 * server as it is, on a cluster on every server in its cluster form (cluster-ddl.ts: `_local` tables and views
 * under Distributed ones, materialized views between `_local` tables), with the source's ledger on each.
 */
async function applyStatements(target: ClickHouseTarget, src: ClickHouseTarget, name: string, statements: Array<{ file: string; sql: string }>): Promise<void> {
  if (!target.cluster) {
    for (const s of statements) await runSql(src, s.sql, {}, `source ${name}: ${s.file}`);
    await runCommand(src, 'source/sync_chunks');
    return;
  }
  await onEveryNode(target, src.database, async (node) => {
    const sharded = shardedNames(schemaFiles().map((f) => f.sql));
    for (const s of statements) {
      for (const [i, sql] of clusterStatements(s.file, s.sql, target.cluster!.name, sharded).entries()) {
        await runSql(node, sql, {}, `source ${name}: ${s.file}${i ? ` (statement ${i + 1})` : ''}`);
      }
    }
    await runCommand(node, 'source/sync_chunks');
  });
}

/** Runs `fn` on every server of the target's cluster in turn, each connection reading and writing `database`. */
export async function onEveryNode(target: ClickHouseTarget, database: string, fn: (node: ClickHouseTarget, index: number) => Promise<void>): Promise<void> {
  const nodes = await connectClusterNodes(target, target.cluster!);
  try {
    for (const [i, node] of nodes.entries()) await fn({ ...node, database, description: `${node.description}, database ${database}` }, i);
  } finally {
    await closeNodes(nodes);
  }
}

/**
 * Creates the source's database and, in it, the native schema with the provider's tables in place of the raw
 * ones: each declared layer's raw table becomes a VIEW projecting the provider's table (projection.ts), every
 * other object is the native DDL in the source's database, and each feeder over a raw table becomes a
 * materialized view on the provider's table (feed: materialized-view) or is left to syncSource (periodic). A
 * layer the source does not declare keeps the native (empty) raw table, so the reports read zero there. The
 * native backfills are not run: syncSource backfills in bounded chunks. Idempotent (IF NOT EXISTS): changing a
 * definition means dropping the source's database and attaching again. On a cluster every server gets the
 * cluster form of the same statements (see applyStatements), the views reading the shard's own `localTable`.
 */
export async function attachSource(target: ClickHouseTarget, def: SourceDefinition, opts: { onStep?: (name: string) => void } = {}): Promise<AttachResult> {
  check(def, target);
  const src = sourceTarget(target, def);
  const result: AttachResult = { database: src.database, created: [], materializedViews: [], periodic: [] };
  const statements: Array<{ file: string; sql: string }> = [];
  for (const file of schemaFiles()) {
    if (file.name.endsWith('_backfill')) continue;
    const rawLayer = LAYERS.find((l) => RAW_FILES[l].file === file.name);
    const feeder = feederOf(file);
    const layer = rawLayer ?? feeder?.layer;
    const decl = layer ? onShard(def[layer], target) : undefined;
    let sql = file.sql.trim().replace(/;\s*$/, '');
    if (rawLayer && decl) {
      sql = `CREATE VIEW IF NOT EXISTS {db:Identifier}.${RAW_FILES[rawLayer].table} AS\n${projectionSql(rawLayer, decl)}`;
    } else if (feeder && decl) {
      if (decl.feed === 'periodic') {
        result.periodic.push(feeder.name);
        continue;
      }
      sql = `CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.${feeder.name} TO {db:Identifier}.${feeder.table} AS\n` +
        replaceRaw(feeder.select, feeder.layer, `(\n${projectionSql(feeder.layer, decl)}\n)`);
      result.materializedViews.push(feeder.name);
    }
    opts.onStep?.(file.name);
    statements.push({ file: file.name, sql });
    result.created.push(file.name);
  }
  await applyStatements(target, src, def.name, statements);
  return result;
}

/**
 * Drops the source's database: its views, rollups and ledger, and with them the materialized views on the
 * provider's tables (so the provider's inserts no longer feed anything), on every server of a cluster. The
 * provider's tables are not touched.
 */
export async function detachSource(target: ClickHouseTarget, def: SourceDefinition): Promise<void> {
  const src = sourceTarget(target, def);
  const drop = (t: ClickHouseTarget) => runSql(t, 'DROP DATABASE IF EXISTS {db:Identifier}', {}, `source ${def.name}: detach`);
  if (target.cluster) await onEveryNode(target, src.database, drop);
  else await drop(src);
}

/**
 * The cluster form of the schema (README, "Cluster deployment"). The files in queries/schema describe one
 * server; on a cluster each of them becomes the statements every server runs for itself:
 * - a table `X` becomes the shard's own table `X_local` (same columns and engine) and `X`, a Distributed table
 *   over every shard's `X_local`. Queries and inserts keep using `X`: inserts are spread over the shards, reads
 *   gather from all of them.
 * - a materialized view reads and writes the shard's `_local` tables: each shard rolls up the rows it stores.
 * - a plain view `V` becomes `V_local` over the `_local` tables and `V`, a Distributed table over them, so that
 *   a query on `V` filters and aggregates on every shard and merges on the server that asked.
 * - a parameterized view stays as it is: it reads the Distributed tables by their names (a Distributed table
 *   cannot stand over a view that takes parameters).
 * - a backfill (INSERT … SELECT) reads and writes `_local` tables: each shard fills its rollup from its own rows.
 * - the database and the migration ledger are each server's own.
 * The single-server files stay the one definition; this only renames and adds.
 */

const DB = '{db:Identifier}';
/** `{db:Identifier}.name` followed by anything that cannot continue a name. */
const qualified = (name: string) => new RegExp(`\\{db:Identifier\\}\\.${name}(?![A-Za-z0-9_])`, 'g');
const CREATE_TABLE = /^\s*CREATE TABLE IF NOT EXISTS \{db:Identifier\}\.([A-Za-z_][A-Za-z0-9_]*)\s*\(/;
const CREATE_VIEW = /^\s*CREATE VIEW IF NOT EXISTS \{db:Identifier\}\.([A-Za-z_][A-Za-z0-9_]*)\s+AS\b/;
const CREATE_MV = /^\s*CREATE MATERIALIZED VIEW\b/;
const CREATE_DATABASE = /^\s*CREATE DATABASE\b/;
const INSERT = /^\s*INSERT INTO\b/;
/** A query parameter other than the database: such a view is parameterized. */
const PARAMETER = /\{(?!db:Identifier\})[A-Za-z_][A-Za-z0-9_]*:/;

/** Each server's own tables, never sharded: the ledger of what was applied on that server. */
const NODE_TABLES = new Set(['schema_migrations']);

export const LOCAL_SUFFIX = '_local';

/** The statement without its comment lines, which may mention anything. */
function body(sql: string): string {
  return sql.split('\n').filter((l) => !l.trimStart().startsWith('--')).join('\n').trim().replace(/;\s*$/, '');
}

/** Names that get a `_local` form: every table but the ledger, and every view without parameters. */
export function shardedNames(files: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const sql of files.map(body)) {
    const table = CREATE_TABLE.exec(sql)?.[1];
    if (table && !NODE_TABLES.has(table)) names.add(table);
    const view = CREATE_VIEW.exec(sql)?.[1];
    if (view && !PARAMETER.test(sql)) names.add(view);
  }
  return names;
}

function localized(sql: string, sharded: ReadonlySet<string>): string {
  let out = sql;
  for (const name of sharded) out = out.replace(qualified(name), `${DB}.${name}${LOCAL_SUFFIX}`);
  return out;
}

/**
 * The sharding key of a table: the rows of one attack of one tenant go to one shard. The key is a function of
 * the row, so loading the same file again sends every row to the shard that has it already, where the
 * deduplication token recognises it (a random key would split a repeated batch differently); and the versions
 * of one row of a ReplacingMergeTree (attacks, tenants), read with FINAL or argMax, meet on one shard.
 */
export function shardingKey(columns: readonly string[]): string {
  const keyed = ['AccountID', 'AttackID'].filter((c) => columns.includes(c));
  return `cityHash64(${(keyed.length ? keyed : columns.slice(0, 1)).join(', ')})`;
}

/** Column names of a CREATE TABLE's column list (the first word of each top-level line that is not an index). */
function columnNames(sql: string): string[] {
  const open = sql.indexOf('(');
  let depth = 0;
  let end = open;
  for (let i = open; i < sql.length; i++) {
    if (sql[i] === '(') depth++;
    if (sql[i] === ')' && --depth === 0) { end = i; break; }
  }
  return sql.slice(open + 1, end).split('\n')
    .map((l) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined && n !== 'INDEX');
}

const distributed = (name: string, cluster: string, key?: string) =>
  `CREATE TABLE IF NOT EXISTS ${DB}.${name} AS ${DB}.${name}${LOCAL_SUFFIX} ENGINE = Distributed('${cluster}', ${DB}, ${name}${LOCAL_SUFFIX}${key ? `, ${key}` : ''})`;

/**
 * The statements one server of `cluster` runs for the schema file `sql`, in order. `sharded` is
 * shardedNames() of every schema file. Throws on a statement of a kind it does not know, so a new kind of
 * migration is given its cluster form on purpose rather than by accident.
 */
export function clusterStatements(name: string, sql: string, cluster: string, sharded: ReadonlySet<string>): string[] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(cluster)) throw new Error(`cluster name ${JSON.stringify(cluster)} is not a plain identifier`);
  const stmt = body(sql);
  if (CREATE_DATABASE.test(stmt)) return [stmt];
  const table = CREATE_TABLE.exec(stmt)?.[1];
  if (table) {
    if (!sharded.has(table)) return [stmt];
    return [localized(stmt, sharded), distributed(table, cluster, shardingKey(columnNames(stmt)))];
  }
  const view = CREATE_VIEW.exec(stmt)?.[1];
  if (view) {
    if (!sharded.has(view)) return [stmt];
    // Read-only: a Distributed table over a view needs no sharding key.
    return [localized(stmt, sharded), distributed(view, cluster)];
  }
  if (CREATE_MV.test(stmt) || INSERT.test(stmt)) return [localized(stmt, sharded)];
  throw new Error(`schema/${name}: no cluster form for this kind of statement; add one in src/clickhouse/cluster-ddl.ts`);
}

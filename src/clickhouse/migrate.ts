import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { ClickHouseTarget, ClusterTarget } from './client.js';
import { runCommand, runSql, selectRows } from './queries.js';
import { clusterStatements, shardedNames } from './cluster-ddl.js';
import { QUERIES_DIR } from '../util/paths.js';
import { UsageError } from '../errors.js';

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

const SCHEMA_DIR = path.join(QUERIES_DIR, 'schema');
/** The ledger row that says a server's database is in the cluster form, and of which cluster. */
const CLUSTER_MARK = 'cluster:';

export interface SchemaFile {
  name: string;
  sql: string;
}

/** The schema files in the order they apply (also read by src/source/attach.ts, which restates them for a source). */
export function schemaFiles(): SchemaFile[] {
  return fs
    .readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => ({ name: f.replace(/\.sql$/, ''), sql: fs.readFileSync(path.join(SCHEMA_DIR, f), 'utf8') }));
}

/**
 * Applies `queries/schema/*.sql` in file-name order, each once. Every statement is also idempotent on its own
 * (IF NOT EXISTS), so a crash between a statement and its ledger row is harmless on the next run. On a cluster
 * (target.cluster) every server gets the cluster form of each file (cluster-ddl.ts) and keeps its own ledger.
 */
export async function migrate(target: ClickHouseTarget): Promise<MigrationResult> {
  if (target.cluster) return migrateCluster(target, target.cluster);
  const files = schemaFiles();
  return applyFiles(target, files, (f) => [f.sql.trim().replace(/;\s*$/, '')], undefined);
}

/** The ledger's rows, creating the database and the ledger when they are not there yet. */
async function readLedger(target: ClickHouseTarget): Promise<string[]> {
  try {
    return (await selectRows<{ Name: string }>(target, 'migrations/applied')).map((r) => r.Name);
  } catch {
    await runCommand(target, 'schema/000_database');
    await runCommand(target, 'schema/001_schema_migrations');
    return (await selectRows<{ Name: string }>(target, 'migrations/applied')).map((r) => r.Name);
  }
}

/** Runs the statements of every file not in `target`'s ledger and records each; `cluster` names the form expected. */
async function applyFiles(
  target: ClickHouseTarget, files: SchemaFile[], statements: (f: SchemaFile) => string[], cluster: string | undefined,
): Promise<MigrationResult> {
  const ledger = await readLedger(target);
  const mark = ledger.find((n) => n.startsWith(CLUSTER_MARK));
  const formOf = (m: string | undefined) => (m ? `sharded over cluster ${m.slice(CLUSTER_MARK.length)}` : 'single-server');
  if (mark !== (cluster === undefined ? undefined : `${CLUSTER_MARK}${cluster}`) && (mark !== undefined || ledger.length > 0)) {
    // Tables of one form cannot be turned into the other in place: say so rather than mix the two.
    throw new UsageError(
      `the database ${target.database} on ${target.description} was migrated ${formOf(mark)}, not ${formOf(cluster && CLUSTER_MARK + cluster)}: ` +
        (mark ? 'set CLICKHOUSE_CLUSTER (or clickhouse.cluster) to that cluster' : 'a cluster needs a new database (CLICKHOUSE_DATABASE) on every server, loaded again'),
    );
  }
  if (cluster !== undefined && mark === undefined) await runCommand(target, 'migrations/record', { name: `${CLUSTER_MARK}${cluster}`, checksum: '' });
  const done = new Set(ledger);
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file.name)) continue;
    for (const [i, sql] of statements(file).entries()) await runSql(target, sql, {}, `schema/${file.name}${i ? ` (statement ${i + 1})` : ''}`);
    const checksum = createHash('sha256').update(file.sql).digest('hex').slice(0, 16);
    await runCommand(target, 'migrations/record', { name: file.name, checksum });
    applied.push(file.name);
  }
  return { applied, alreadyApplied: files.length - applied.length };
}

/**
 * Connects to every server of `cluster` (CLICKHOUSE_CLUSTER_NODES) and matches them against the cluster as the
 * servers define it (system.clusters): each must be one server of it, and together they must be all of it, or
 * some shard would lack the tables its rows are sent to. Without ClickHouse Keeper there is no `ON CLUSTER`, so
 * whatever every server must have (the migrations, an attached source's objects) is run over these
 * connections, one server at a time. The caller closes them (closeNodes).
 */
export async function connectClusterNodes(target: ClickHouseTarget, cluster: ClusterTarget): Promise<ClickHouseTarget[]> {
  const name = cluster.name;
  if (cluster.nodes.length === 0) {
    throw new UsageError(`CLICKHOUSE_CLUSTER ${name} needs CLICKHOUSE_CLUSTER_NODES (clickhouse.clusterNodes): the http(s) URL of every server of the cluster, where the per-shard tables are created`);
  }
  const servers = await selectRows<{ shard: number; replica: number; host: string; port: number }>(target, 'cluster/replicas', { cluster: name });
  if (servers.length === 0) throw new UsageError(`${target.description} has no cluster ${name} in its <remote_servers> (system.clusters): check CLICKHOUSE_CLUSTER and the servers' configuration`);
  const nodes: ClickHouseTarget[] = [];
  try {
    // The target's database, which may not be the one the cluster was configured with (a source's, a test's).
    for (const url of cluster.nodes) nodes.push({ ...(await cluster.connectNode(url)), database: target.database });
    const byReplica = new Map<string, ClickHouseTarget>();
    for (const node of nodes) {
      const local = await selectRows<{ shard: number; replica: number }>(node, 'cluster/local_replica', { cluster: name });
      if (local.length !== 1) throw new UsageError(`${node.description} is not one server of cluster ${name}: its system.clusters lists ${local.length} entries of that cluster as itself`);
      const key = `shard ${local[0]!.shard} replica ${local[0]!.replica}`;
      const twice = byReplica.get(key);
      if (twice) throw new UsageError(`${twice.description} and ${node.description} are both ${key} of cluster ${name}: list each server once in CLICKHOUSE_CLUSTER_NODES`);
      byReplica.set(key, node);
    }
    const missing = servers.filter((s) => !byReplica.has(`shard ${s.shard} replica ${s.replica}`));
    if (missing.length) {
      throw new UsageError(`CLICKHOUSE_CLUSTER_NODES misses ${missing.map((s) => `shard ${s.shard} replica ${s.replica} (${s.host}:${s.port})`).join(', ')} of cluster ${name}: every server needs the per-shard tables`);
    }
    return nodes;
  } catch (err) {
    await closeNodes(nodes);
    throw err;
  }
}

export async function closeNodes(nodes: ClickHouseTarget[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.client.close().catch(() => undefined)));
}

/** Migrations on a cluster: every server runs the cluster form of each file itself (see connectClusterNodes). */
async function migrateCluster(target: ClickHouseTarget, cluster: ClusterTarget): Promise<MigrationResult> {
  const name = cluster.name;
  const nodes = await connectClusterNodes(target, cluster);
  try {
    const files = schemaFiles();
    const sharded = shardedNames(files.map((f) => f.sql));
    const applied = new Set<string>();
    for (const node of nodes) {
      const r = await applyFiles(node, files, (f) => clusterStatements(f.name, f.sql, name, sharded), name);
      r.applied.forEach((a) => applied.add(a));
    }
    const names = files.map((f) => f.name).filter((n) => applied.has(n));
    return { applied: names, alreadyApplied: files.length - names.length };
  } finally {
    await closeNodes(nodes);
  }
}

import path from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Env } from '../config/env.js';
import { RuntimeFailure, UsageError, errorMessage } from '../errors.js';
import { checkSettings, guardClient } from './guard.js';
import { mkdirOwnerOnly } from '../util/private-files.js';
import { findLocalServer } from './discovery.js';

export const DEFAULT_DATABASE = 'ddos';
export const DEFAULT_DATA_DIR = './data/clickhouse';

export interface ClickHouseTarget {
  /** Human-readable description that never contains a password. */
  description: string;
  database: string;
  client: ClickHouseClient;
  /** The engine runs inside this process (chDB): inserts can read local files, one process per data directory. */
  embedded: boolean;
  /** The engine is the one chDB ships, in-process or served from a data directory by `db serve` or the worker. */
  embeddedEngine: boolean;
  /** Set when the tables are sharded over a cluster (CLICKHOUSE_CLUSTER): see cluster-ddl.ts and migrate.ts. */
  cluster?: ClusterTarget;
}

export interface ClusterTarget {
  /** The cluster's name in the servers' `<remote_servers>`, a plain identifier. */
  name: string;
  /** Every server of the cluster (CLICKHOUSE_CLUSTER_NODES), where migrations create the per-shard tables. */
  nodes: string[];
  /** Connects to one of `nodes` with this target's credentials and database. */
  connectNode(url: string): Promise<ClickHouseTarget>;
}

export interface ConnectOptions {
  env: Env;
  /** --data-dir flag; wins over ATTACK_REPORT_DATA_DIR. */
  dataDir?: string;
  /**
   * Whether a server (CLICKHOUSE_URL) must answer now (default true). The worker says false: a server down at
   * its start fails the runs that need it, with the reason, instead of the worker itself.
   */
  ping?: boolean;
}

/**
 * 64-bit integers arrive as JSON numbers from chDB but as strings from a server unless told otherwise;
 * asking both to quote them gives one shape that `toNumber` below parses.
 */
const SETTINGS = { output_format_json_quote_64bit_integers: 1 } as const;
checkSettings(SETTINGS);
/**
 * On a cluster, an INSERT into a Distributed table returns once every shard has stored its rows (rather than
 * queueing them on the initiator to send later): the ingest summary then counts what is stored, the shards'
 * deduplication answers at once, and a failure fails the INSERT. `insert_distributed_sync` is the name servers
 * before 23.x know too (newer ones call it distributed_foreground_insert).
 */
const CLUSTER_SETTINGS = { ...SETTINGS, insert_distributed_sync: 1 } as const;
checkSettings(CLUSTER_SETTINGS);

/** The database name is written into statements (see inlineDatabase and INSERT tables), so it is an identifier. */
const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * One factory, three backends: a ClickHouse server over HTTP(S) (CLICKHOUSE_URL); the local server serving the
 * data directory, when one runs (discovery.ts); or the embedded chDB engine opened in-process. Each client is
 * wrapped by guardClient, so no statement's settings or INSERT table can carry SQL (src/clickhouse/guard.ts).
 */
export async function connect(opts: ConnectOptions): Promise<ClickHouseTarget> {
  const { env } = opts;
  const database = env.CLICKHOUSE_DATABASE ?? DEFAULT_DATABASE;
  if (!DATABASE_NAME.test(database)) throw new UsageError(`the database name ${JSON.stringify(database)} is not a plain identifier (letters, digits, underscore)`);
  if (env.CLICKHOUSE_CLUSTER && !env.CLICKHOUSE_URL) {
    throw new UsageError(`CLICKHOUSE_CLUSTER ${env.CLICKHOUSE_CLUSTER} needs CLICKHOUSE_URL (a server of that cluster): the embedded engine is not a cluster`);
  }
  if (env.CLICKHOUSE_URL) {
    const url = new URL(env.CLICKHOUSE_URL);
    const username = env.CLICKHOUSE_USER ?? (decodeURIComponent(url.username) || 'default');
    const password = env.CLICKHOUSE_PASSWORD ?? decodeURIComponent(url.password);
    const target = await connectServer(url, username, password, `ClickHouse server ${redactUrl(env.CLICKHOUSE_URL)}`, database, false, !!env.CLICKHOUSE_CLUSTER, opts.ping !== false);
    if (env.CLICKHOUSE_CLUSTER) {
      const nodes = env.CLICKHOUSE_CLUSTER_NODES ?? [];
      target.cluster = {
        name: env.CLICKHOUSE_CLUSTER,
        nodes,
        connectNode: (node) => {
          const u = new URL(node);
          return connectServer(u, env.CLICKHOUSE_USER ?? (decodeURIComponent(u.username) || username), env.CLICKHOUSE_PASSWORD ?? (decodeURIComponent(u.password) || password),
            `ClickHouse server ${redactUrl(node)} (node of cluster ${env.CLICKHOUSE_CLUSTER})`, database, false, true, opts.ping !== false);
        },
      };
    }
    return target;
  }
  const dataDir = path.resolve(opts.dataDir ?? env.ATTACK_REPORT_DATA_DIR ?? DEFAULT_DATA_DIR);
  try {
    mkdirOwnerOnly(dataDir);
  } catch (err) {
    throw new RuntimeFailure(`cannot create the data directory ${dataDir}: ${errorMessage(err)}`);
  }
  // A worker or `db serve` serving this directory holds its lock: talk to that server instead.
  const served = await findLocalServer(dataDir);
  if (served) return connectLocalServer(served.url, dataDir, database);
  try {
    return await openInProcess(dataDir, database);
  } catch (err) {
    // The lock may be held by a server that is starting right now: give it a moment to announce itself.
    for (const deadline = Date.now() + LOCK_WAIT_MS; Date.now() < deadline; await sleep(250)) {
      const late = await findLocalServer(dataDir);
      if (late) return connectLocalServer(late.url, dataDir, database);
    }
    throw err;
  }
}

const LOCK_WAIT_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function connectLocalServer(url: string, dataDir: string, database: string): Promise<ClickHouseTarget> {
  return connectServer(new URL(url), 'default', '', `local ClickHouse server ${url} (serving ${dataDir})`, database, true);
}

async function connectServer(
  url: URL, username: string, password: string, description: string, database: string, embeddedEngine: boolean, cluster = false, mustAnswer = true,
): Promise<ClickHouseTarget> {
  url.username = '';
  url.password = '';
  const client = createClient({
    url: url.toString(),
    username,
    password,
    clickhouse_settings: cluster ? CLUSTER_SETTINGS : SETTINGS,
    request_timeout: 60_000,
    // Failures reach the user through our own errors; the client's logger would print expected ones too
    // (migrate's first probe of a database not created yet) with their stacks.
    log: { level: ClickHouseLogLevel.OFF },
  });
  if (mustAnswer) await ping(client, description);
  return { description, database, client: guardClient(client), embedded: false, embeddedEngine };
}

async function openInProcess(dataDir: string, database: string): Promise<ClickHouseTarget> {
  // Loaded lazily: the 500 MB native engine is only mapped when the embedded backend is used.
  const { createChdbConnection } = await import('chdb/connection');
  let client: ClickHouseClient;
  try {
    // chdb builds against its own copy of @clickhouse/client-common, so the Connection types are nominally
    // different while structurally the same; the cast bridges the two copies, nothing else.
    const connection = createChdbConnection({ path: dataDir }) as unknown as Parameters<typeof createClient>[0] extends infer O
      ? O extends { connection?: infer C } ? C : never
      : never;
    client = createClient({ connection, clickhouse_settings: SETTINGS });
  } catch (err) {
    // The engine locks its directory: the usual cause is a second process (a scheduled run, another shell).
    throw new RuntimeFailure(
      `cannot open the embedded ClickHouse engine at ${dataDir}: ${errorMessage(err)}. ` +
        'Another process is using this data directory without serving it: wait for it, use another --data-dir, or run ' +
        '`attack-report db serve` (the worker does this itself) so that every process can share it.',
    );
  }
  return { description: `embedded ClickHouse (chDB) at ${dataDir}`, database, client: guardClient(client), embedded: true, embeddedEngine: true };
}

/** A statement, not /ping: /ping answers without credentials, so a wrong password would pass until the first query. */
async function ping(client: ClickHouseClient, description: string): Promise<void> {
  try {
    await client.command({ query: 'SELECT 1' });
  } catch (err) {
    await client.close().catch(() => undefined);
    throw new RuntimeFailure(`cannot reach ${description}: ${stripSecrets(errorMessage(err))}`);
  }
}

function stripSecrets(text: string): string {
  // Some transport errors echo the full URL back; never let a password through.
  return text.replace(/\/\/([^:/@\s]+):([^@\s]+)@/g, '//$1:***@');
}

/** ClickHouse 64-bit integers arrive as strings (see SETTINGS); everything numeric goes through here. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value !== '') return Number(value);
  return 0;
}

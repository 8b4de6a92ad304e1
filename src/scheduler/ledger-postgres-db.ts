/**
 * The PostgreSQL ledger's connection: a small pg.Pool, statements read from `queries/ledger/*.sql` by name, and
 * errors that say which statement failed on which database, never with the password.
 */
import pg from 'pg';
import { loadQuery } from '../clickhouse/queries.js';
import { RuntimeFailure, UsageError, errorMessage } from '../errors.js';

/** What the ledger logs: pino's Logger fits. */
export interface LedgerLog {
  warn(obj: object, msg: string): void;
}

/** A connection to run statements on: the pool (one statement, any connection) or a transaction's client. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** A database URL for messages: the password replaced by `***`. */
export function redactPostgresUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable PostgreSQL URL)';
  }
}

/** Errors that mean the connection or the server went away (not that the statement was wrong). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  // 08: connection exceptions; 57P01-57P03: the server shutting down, crashed, or not yet accepting connections.
  if (/^(08|57P0[123])/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)) return true;
  const msg = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed/i.test(msg);
}

export interface PgOptions {
  log?: LedgerLog;
  /** Pool size per process (default 4): workers hold few connections each, so many fit one server. */
  maxConnections?: number;
  /** A statement running longer is cancelled (default 15 s): a stuck lock fails a tick instead of hanging it. */
  statementTimeoutMs?: number;
  /** Giving up on connecting (default 5 s): an unreachable server is reported, not waited for. */
  connectTimeoutMs?: number;
}

const ignoreError = (): void => undefined;

/** The ledger's database did not answer (down, restarting, unreachable): worth trying again later. */
export class LedgerUnavailable extends RuntimeFailure {}

export class LedgerDb {
  readonly pool: pg.Pool;
  readonly location: string;
  private readonly secrets: string[];
  private readonly connection: pg.ClientConfig;

  constructor(url: string, private readonly opts: PgOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`the ledger URL ${redactPostgresUrl(url)} is not a URL: write postgres://user:password@host:5432/database`);
    }
    if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new UsageError(`the ledger URL ${redactPostgresUrl(url)} is not postgres:// or postgresql://`);
    this.location = redactPostgresUrl(url);
    const password = decodeURIComponent(parsed.password);
    this.secrets = password ? [password, parsed.password].filter((s, i, a) => s && a.indexOf(s) === i) : [];
    this.connection = {
      connectionString: url,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
      statement_timeout: opts.statementTimeoutMs ?? 15_000,
      // A transaction left open by a crashed caller must not hold its row locks for ever.
      idle_in_transaction_session_timeout: 60_000,
      application_name: 'attack-report-ledger',
    };
    this.pool = new pg.Pool({
      ...this.connection,
      max: opts.maxConnections ?? 4,
      idleTimeoutMillis: 10_000,
      // A CLI command that forgets close() still exits once its connections are idle.
      allowExitOnIdle: true,
    });
    // An idle connection the server closes (a restart) is reported here; unhandled, it would end the process.
    this.pool.on('error', (err) => this.opts.log?.warn({ err: this.scrub(errorMessage(err)), ledger: this.location }, 'ledger connection lost; the next statement reconnects'));
  }

  /** The message with the password taken out, wherever a driver or server put it. */
  scrub(message: string): string {
    let m = message;
    for (const s of this.secrets) m = m.split(s).join('***');
    return m;
  }

  /** The error to throw for a failed statement: what failed, where, and for an outage what to check. */
  failure(name: string, err: unknown): RuntimeFailure {
    const why = this.scrub(errorMessage(err));
    if (!isConnectionError(err)) return new RuntimeFailure(`ledger statement ${name} failed on ${this.location}: ${why}`);
    return new LedgerUnavailable(`ledger statement ${name} failed on ${this.location}: ${why}: PostgreSQL is unreachable or restarting; the ledger reconnects by itself once it answers`);
  }

  /**
   * Runs the statement `queries/ledger/<name>.sql` and returns its rows. `retry` is for reads only: repeated once
   * after a lost connection (a pooled connection the server closed is only found out when used).
   */
  async rows<T>(name: string, params: unknown[], opts: { on?: Queryable; retry?: boolean } = {}): Promise<T[]> {
    const sql = loadQuery(`ledger/${name}`);
    const on = opts.on ?? this.pool;
    try {
      return (await on.query(sql, params)).rows as T[];
    } catch (err) {
      if (opts.retry && !opts.on && isConnectionError(err)) {
        try {
          return await this.onNewConnection<T>(sql, params);
        } catch (again) {
          throw this.failure(name, again);
        }
      }
      throw this.failure(name, err);
    }
  }

  /**
   * One statement on a connection of its own, outside the pool: after a server restart the pool may still hold
   * other connections the server closed, and a retry taken from it could meet one of them.
   */
  private async onNewConnection<T>(sql: string, params: unknown[]): Promise<T[]> {
    const client = new pg.Client(this.connection);
    client.on('error', () => undefined); // reported through the failed query below
    try {
      await client.connect();
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /**
   * Runs `fn` in one transaction on one connection; rolled back when it throws (its error is thrown as it is).
   * A pooled connection the server closed fails at BEGIN, before anything ran, so another one is tried then.
   */
  async transaction<T>(label: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient | undefined;
    for (let attempt = 0; client === undefined; attempt++) {
      let c: pg.PoolClient | undefined;
      try {
        c = await this.pool.connect();
        // A checked-out connection has no listener of the pool's: the server going away between two statements
        // of the transaction (a restart) would emit an unhandled 'error' and end the process. The failure reaches
        // the caller through the next statement instead.
        c.on('error', ignoreError);
        await c.query('BEGIN');
        client = c;
      } catch (err) {
        c?.off('error', ignoreError);
        c?.release(true);
        if (!c || !isConnectionError(err) || attempt >= (this.opts.maxConnections ?? 4)) throw this.failure(`${label} (begin)`, err);
      }
    }
    let result: T;
    try {
      result = await fn(client);
    } catch (err) {
      const lost = err instanceof LedgerUnavailable || isConnectionError(err);
      if (!lost) await client.query('ROLLBACK').catch(() => undefined);
      // A connection that failed mid-transaction is discarded rather than handed to the next caller.
      client.off('error', ignoreError);
      client.release(lost ? true : undefined);
      throw err;
    }
    try {
      await client.query('COMMIT');
    } catch (err) {
      client.off('error', ignoreError);
      client.release(true);
      throw this.failure(`${label} (commit)`, err);
    }
    client.off('error', ignoreError);
    client.release();
    return result;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

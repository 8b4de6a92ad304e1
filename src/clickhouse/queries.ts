import fs from 'node:fs';
import path from 'node:path';
import type { ClickHouseTarget } from './client.js';
import { QUERIES_DIR } from '../util/paths.js';
import { RuntimeFailure, errorMessage } from '../errors.js';

export type QueryParams = Record<string, unknown>;

const cache = new Map<string, string>();

/** Reads `queries/<name>.sql`. Every file holds exactly one statement whose values are `{name:Type}` parameters. */
export function loadQuery(name: string): string {
  let sql = cache.get(name);
  if (sql === undefined) {
    sql = fs.readFileSync(path.join(QUERIES_DIR, `${name}.sql`), 'utf8').trim().replace(/;\s*$/, '');
    cache.set(name, sql);
  }
  return sql;
}

/**
 * Writes the database name into a statement in place of `{db:Identifier}`. The embedded engine ignores the
 * client's database setting, so every statement names its database; it is written in rather than bound because
 * a bound identifier can neither prefix a parameterized view's call nor sit inside CREATE VIEW (where any
 * parameter makes the view parameterized). The name is configuration, checked here as a plain identifier,
 * never telemetry.
 */
export function inlineDatabase(sql: string, database: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`database name ${JSON.stringify(database)} is not a plain identifier`);
  return sql.replaceAll('{db:Identifier}', `\`${database}\``);
}

/** Where a statement runs: a session (a server keeps temporary tables per session), and settings of its own. */
export interface StatementOptions {
  sessionId?: string;
  settings?: Record<string, string | number>;
}

/** Runs a SELECT from `queries/` with bound parameters and returns its rows. */
export async function selectRows<T>(target: ClickHouseTarget, name: string, params: QueryParams = {}, opts: StatementOptions = {}): Promise<T[]> {
  try {
    const result = await target.client.query({
      query: inlineDatabase(loadQuery(name), target.database),
      query_params: params,
      format: 'JSONEachRow',
      session_id: opts.sessionId,
      clickhouse_settings: opts.settings,
    });
    return await result.json<T>();
  } catch (err) {
    throw new RuntimeFailure(`query ${name} failed on ${target.description}: ${errorMessage(err)}`, { cause: err });
  }
}

/** Runs a statement from `queries/` that returns no rows (DDL, INSERT ... SELECT). */
export async function runCommand(target: ClickHouseTarget, name: string, params: QueryParams = {}): Promise<void> {
  await runSql(target, loadQuery(name), params, name);
}

/** Runs statement text (database name written in, see inlineDatabase) that returns no rows. */
export async function runSql(target: ClickHouseTarget, sql: string, params: QueryParams, label: string, opts: StatementOptions = {}): Promise<void> {
  try {
    await target.client.command({ query: inlineDatabase(sql, target.database), query_params: params, session_id: opts.sessionId, clickhouse_settings: opts.settings });
  } catch (err) {
    throw new RuntimeFailure(`statement ${label} failed on ${target.description}: ${errorMessage(err)}`, { cause: err });
  }
}

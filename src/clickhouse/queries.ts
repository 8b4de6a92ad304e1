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
 * Runs a SELECT from `queries/` with bound parameters and returns its rows. The database name is bound as an
 * Identifier parameter (`{db:Identifier}`) because the embedded engine ignores the client's database setting.
 */
export async function selectRows<T>(target: ClickHouseTarget, name: string, params: QueryParams = {}): Promise<T[]> {
  try {
    const result = await target.client.query({
      query: loadQuery(name),
      query_params: { db: target.database, ...params },
      format: 'JSONEachRow',
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

export async function runSql(target: ClickHouseTarget, sql: string, params: QueryParams, label: string): Promise<void> {
  try {
    await target.client.command({ query: sql, query_params: { db: target.database, ...params } });
  } catch (err) {
    throw new RuntimeFailure(`statement ${label} failed on ${target.description}: ${errorMessage(err)}`, { cause: err });
  }
}

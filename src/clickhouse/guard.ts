/**
 * The gate every statement passes on its way to ClickHouse. Values travel as bound parameters, but two things
 * are written into the statement's text by the client libraries: settings (chdb's connection adapter prefixes
 * `SET k = '…'`, doubling quotes but not escaping backslashes, so `\'` ends the literal for the engine) and the
 * table an INSERT names. Both are checked here, for every call on the client `connect()` returns, whatever its
 * caller: a setting is a number, a boolean or a string of a few inert characters, and a table is a plain
 * (optionally database-qualified) identifier. Anything else is refused before it reaches the engine.
 */
import type { ClickHouseClient } from '@clickhouse/client';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TABLE = /^([A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/;
/** No quote, backslash, semicolon, space or control character: nothing that means anything in SQL. */
const SETTING_TEXT = /^[A-Za-z0-9_.:,+-]{0,1024}$/;
const SETTING_TEXT_RULE = 'at most 1024 characters of A-Z a-z 0-9 _ . : , + -';

/** A statement the guard refused: a bug upstream (an input that was not validated where it entered). */
export class UnsafeStatementError extends Error {
  override readonly name = 'UnsafeStatementError';
}

const shown = (v: unknown) => {
  const text = JSON.stringify(typeof v === 'string' && v.length > 60 ? `${v.slice(0, 60)}…` : v) ?? String(v);
  return text;
};

/** Throws unless every setting is a plain name with a finite number, a boolean or an inert string. */
export function checkSettings(settings: unknown): void {
  if (settings === undefined || settings === null) return;
  if (typeof settings !== 'object' || Array.isArray(settings)) throw new UnsafeStatementError('refusing settings that are not an object of name: value');
  for (const [name, value] of Object.entries(settings)) {
    if (!NAME.test(name)) throw new UnsafeStatementError(`refusing the setting ${shown(name)}: a setting name is a plain identifier`);
    if (value === undefined || typeof value === 'boolean') continue;
    if (typeof value === 'number' && Number.isFinite(value)) continue;
    if (typeof value === 'string' && SETTING_TEXT.test(value)) continue;
    throw new UnsafeStatementError(
      `refusing the setting ${name} = ${shown(value)}: a setting's value is a finite number, a boolean or ${SETTING_TEXT_RULE} ` +
        '(settings are written into the statement; hash or validate what goes into one)',
    );
  }
}

interface StatementParams {
  clickhouse_settings?: unknown;
  table?: unknown;
  columns?: unknown;
}

/** Throws unless the statement's settings, and an INSERT's table and columns, are safe to write into SQL. */
export function checkStatement(params: StatementParams | undefined): void {
  if (!params) return;
  checkSettings(params.clickhouse_settings);
  if (params.table !== undefined && (typeof params.table !== 'string' || !TABLE.test(params.table))) {
    throw new UnsafeStatementError(`refusing to insert into the table ${shown(params.table)}: a table is a plain identifier, optionally database.table`);
  }
  const columns = Array.isArray(params.columns) ? params.columns : [];
  for (const c of columns) {
    if (typeof c !== 'string' || !NAME.test(c)) throw new UnsafeStatementError(`refusing to insert into the column ${shown(c)}: a column is a plain identifier`);
  }
}

const GUARDED = new Set(['query', 'command', 'exec', 'insert']);

/** The client with every statement method checked by checkStatement first (a refusal is a rejected promise). */
export function guardClient(client: ClickHouseClient): ClickHouseClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      // Bound to the real client: its methods use private fields a proxy receiver would not have.
      const method = value as (...args: unknown[]) => unknown;
      if (typeof prop === 'string' && GUARDED.has(prop)) {
        return async (params: StatementParams, ...rest: unknown[]) => {
          checkStatement(params);
          return method.call(target, params, ...rest);
        };
      }
      return method.bind(target);
    },
  });
}

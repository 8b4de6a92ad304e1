import { UsageError } from '../errors.js';
import { nativeColumns, RAW_FILES } from './native.js';
import { tableSql } from './secrets.js';
import type { LayerSource, SourceLayer } from './types.js';

/**
 * The SELECT that turns the provider's table into the native raw table of `layer`: every native column, in DDL
 * order, with its native name and type. A declared column is the operator's expression cast to the native type;
 * an absent one (null or not listed) is the native DEFAULT over the other projected columns, as an INSERT into
 * the native table would fill it. The expressions are evaluated in an inner SELECT under private aliases, so an
 * expression may name a provider column that shares a native name (Logpush's own `Datetime`) without the
 * projected alias shadowing it. A table function's `${NAME}` variables are expanded here, into the statement only.
 */
export function projectionSql(layer: SourceLayer, src: LayerSource): string {
  const columns = nativeColumns(layer);
  const known = new Set(columns.map((c) => c.name));
  const unknown = Object.keys(src.columns).filter((k) => !known.has(k));
  if (unknown.length) {
    throw new UsageError(`source ${layer} columns ${unknown.join(', ')} are not columns of ${RAW_FILES[layer].table} (queries/schema/${RAW_FILES[layer].file}.sql): fix the names`);
  }
  const inner: string[] = [];
  const outer: string[] = [];
  for (const c of columns) {
    const expr = src.columns[c.name];
    if (expr !== null && expr !== undefined && expr.trim() !== '') {
      inner.push(`(${expr}) AS __src_${c.name}`);
      outer.push(`CAST(__src_${c.name} AS ${c.type}) AS ${c.name}`);
    } else if (c.default !== undefined) {
      outer.push(`CAST((${c.default}) AS ${c.type}) AS ${c.name}`);
    } else {
      throw new UsageError(`source ${layer} lacks ${c.name}, which ${RAW_FILES[layer].table} requires (it has no default): give an expression for it`);
    }
  }
  const where = src.where?.trim() ? `\nWHERE (${src.where})` : '';
  return `SELECT\n    ${outer.join(',\n    ')}\nFROM\n(\n    SELECT ${inner.join(', ')}\n    FROM ${tableSql(src)}${where}\n)`;
}

/**
 * `source check`: whether a source definition works against the live store. Per layer: the table exists, each
 * expression compiles against it and its values become the native column's type, sampled values are in range,
 * the table's sorting key lets a report read one account's window (on a cluster, the key of the shard-local
 * table), and what the reports will leave out.
 *
 * The expressions are operator SQL from the definition file and are written into the statements as they are
 * (that is their purpose); table names are validated identifiers (definition.ts); nothing else is written in.
 * Those statements are built here because they are made of the definition's expressions; the fixed lookups are
 * in queries/source/.
 */
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { toNumber } from '../clickhouse/client.js';
import { selectRows } from '../clickhouse/queries.js';
import { errorMessage } from '../errors.js';
import { absentConsequences, absentUnused } from './consequences.js';
import { LAYERS } from './definition.js';
import { NATIVE_TABLE, mappableColumns } from './native.js';
import { projectionSql } from './projection.js';
import { hideSecrets, tableSql } from './secrets.js';
import type { LayerSource, SourceDefinition, SourceLayer } from './types.js';

/** Rows each field is sampled on: enough to meet bad values, bounded so a check costs little on any table. */
export const SAMPLE_ROWS = 10_000;
const YEARS = { from: 2000, to: 2100 };

export interface FieldCheck {
  column: string;
  nativeType: string;
  /** The expression's own type, once it compiled. */
  sourceType?: string;
  problem?: string;
}

export interface LayerCheck {
  layer: SourceLayer;
  table: string;
  fields: FieldCheck[];
  /** Each makes the source unusable (exit 2). */
  problems: string[];
  warnings: string[];
  /** `Column: what the reports will not contain`, for each absent column a report reads. */
  willNotContain: string[];
  /** Absent columns that no report reads. */
  unusedAbsent: string[];
}

export interface SourceCheck {
  name: string;
  store: string;
  usable: boolean;
  layers: LayerCheck[];
}

/**
 * The server's message without the statement it quotes back (which repeats the operator's expression) and
 * without the execution trace: e.g. "Unknown expression identifier `y`".
 */
export function serverMessage(err: unknown): string {
  const first = errorMessage(err).split('\n')[0]!.replace(/^Code: \d+\. DB::Exception: /, '');
  const cut = first.split(/ in scope |: while executing|\. Note: | \(version /)[0]!.trim();
  return cut.length > 300 ? `${cut.slice(0, 300)}…` : cut;
}

async function rows<T>(target: ClickHouseTarget, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const r = await target.client.query({ query, query_params: params, format: 'JSONEachRow' });
  return r.json<T>();
}

/** The columns of the provider's table an expression names (outside string literals). */
function columnsUsed(expression: string, tableColumns: Set<string>): string[] {
  const words = expression.replace(/'(?:[^'\\]|\\.)*'/g, "''").replace(/`/g, '').match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
  return [...new Set(words.filter((w) => tableColumns.has(w)))];
}

/** Splits a sorting key expression at its top-level commas. */
function keyElements(key: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of key) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Warnings when the provider's sorting key does not let a report read one account's window (exported for tests). */
export function sortKeyWarnings(src: Pick<LayerSource, 'columns'>, sortingKey: string, tableColumns: Set<string>): string[] {
  const elements = keyElements(sortingKey);
  const mentions = (el: string | undefined, cols: string[]) => el !== undefined && cols.some((c) => new RegExp(`\\b${c}\\b`).test(el));
  const tenant = columnsUsed(src.columns.AccountID ?? '', tableColumns);
  const time = columnsUsed(src.columns.Datetime ?? '', tableColumns);
  const zone = columnsUsed(src.columns.ZoneID ?? '', tableColumns);
  const shown = `(${sortingKey || 'none'})`;
  const warnings: string[] = [];
  // An AccountID that names no column is a constant (a single-tenant table): nothing to lead with.
  if (tenant.length > 0 && !mentions(elements[0], tenant)) {
    warnings.push(`the table's sorting key ${shown} does not start with ${tenant.join(', ')} (what AccountID reads): every report scans the whole table, every tenant's rows, to find one account's`);
  }
  // Time comes first after whatever tenant and zone elements lead the key.
  const firstOther = elements.find((el) => !mentions(el, tenant) && !mentions(el, zone));
  if (time.length > 0 && !mentions(firstOther, time)) {
    warnings.push(`the table's sorting key ${shown} does not order by ${time.join(', ')} (what Datetime reads)${tenant.length > 0 ? ' after the tenant' : ''}: every report reads all of ${tenant.length > 0 ? "the account's" : 'the'} history, not just its window`);
  }
  return warnings;
}

/** The primary key condition ClickHouse derives for a query (EXPLAIN indexes = 1), or undefined without one. */
async function primaryKeyCondition(target: ClickHouseTarget, query: string): Promise<string | undefined> {
  const r = await target.client.query({ query: `EXPLAIN indexes = 1 ${query}`, format: 'JSONEachRow' });
  const lines = (await r.json<{ explain: string }>()).map((row) => row.explain);
  const at = lines.findIndex((l) => l.trim() === 'PrimaryKey');
  if (at < 0) return undefined;
  const condition = lines.slice(at + 1).find((l) => l.trim().startsWith('Condition:'));
  return condition?.trim().slice('Condition:'.length).trim();
}

/**
 * Warnings when the sorting key has the right shape but a report's filter on the projected AccountID or Datetime
 * does not reach it: ClickHouse uses a key column through a cast or a function it knows to be monotonic
 * (toDateTime(ts, 'UTC')), not through every expression (toDateTime64(ts, 3, 'UTC') hides it), and then reads
 * every granule. Asked of the server on the projection the reports read, with a one-hour window.
 */
async function indexWarnings(target: ClickHouseTarget, layer: SourceLayer, src: LayerSource, tableColumns: Set<string>): Promise<string[]> {
  const query = `SELECT count() FROM (${projectionSql(layer, src)}) WHERE AccountID = 'x' AND Datetime >= toDateTime64('2025-01-01 00:00:00', 3, 'UTC') AND Datetime < toDateTime64('2025-01-01 01:00:00', 3, 'UTC')`;
  let condition: string | undefined;
  try {
    condition = await primaryKeyCondition(target, query);
  } catch {
    return []; // the fields' own checks name what does not compile
  }
  if (condition === undefined) return [];
  const warnings: string[] = [];
  for (const [column, meaning] of [['AccountID', "one account's rows"], ['Datetime', "a report's window"]] as const) {
    const expression = src.columns[column] ?? '';
    const used = columnsUsed(expression, tableColumns);
    if (used.length > 0 && !used.some((c) => new RegExp(`\\b${c}\\b`).test(condition!))) {
      warnings.push(`${column}: ${expression} hides ${used.join(', ')} from the table's sorting key: reading ${meaning} scans ${column === 'Datetime' ? "all of the account's history" : 'every account'}. Write it with a cast or function ClickHouse sees through${column === 'Datetime' ? ", e.g. toDateTime(ts, 'UTC') for seconds, toDateTime(intDiv(ns, 1000000000), 'UTC') for nanoseconds (toDateTime64 and fromUnixTimestamp64… are not)" : ''}`);
    }
  }
  return warnings;
}

async function checkField(target: ClickHouseTarget, from: string, where: string, column: string, expression: string, nativeType: string): Promise<{ field: FieldCheck; warnings: string[] }> {
  const field: FieldCheck = { column, nativeType };
  const warnings: string[] = [];
  try {
    const described = await rows<{ type: string }>(target, `DESCRIBE (SELECT (${expression}) AS v FROM ${from}${where})`);
    field.sourceType = described[0]?.type ?? '?';
  } catch (err) {
    field.problem = `field ${column}: ${serverMessage(err)}`;
    return { field, warnings };
  }
  const extra = column === 'Datetime' ? ', toYear(min(v)) AS lo, toYear(max(v)) AS hi' : column === 'AccountID' ? ", countIf(v = '') AS empty" : '';
  let sample: { n: unknown; lo?: unknown; hi?: unknown; empty?: unknown };
  try {
    // min(v) makes the engine compute v (an unused column could be pruned, and the CAST with it).
    [sample] = (await rows<typeof sample>(target, `SELECT count() AS n, toString(min(v)) AS m${extra} FROM (SELECT CAST((${expression}) AS ${nativeType}) AS v FROM ${from}${where} LIMIT ${SAMPLE_ROWS})`)) as [typeof sample];
  } catch (err) {
    field.problem = `field ${column}: ${field.sourceType} cannot become ${nativeType} (${serverMessage(err)})`;
    return { field, warnings };
  }
  const n = toNumber(sample.n);
  if (column === 'Datetime' && n > 0) {
    const lo = toNumber(sample.lo);
    const hi = toNumber(sample.hi);
    if (lo < YEARS.from || hi >= YEARS.to) {
      field.problem = `field Datetime: sampled times run from the year ${lo} to ${hi}, outside ${YEARS.from}-${YEARS.to}; check the unit (fromUnixTimestamp64Milli/Micro/Nano for sub-second integers)`;
    }
  }
  if (column === 'AccountID' && n > 0) {
    const empty = toNumber(sample.empty);
    if (empty === n) field.problem = `field AccountID: empty on all ${n} sampled rows; a report is asked for one account`;
    else if (empty > 0) warnings.push(`field AccountID: empty on ${empty} of ${n} sampled rows; those rows belong to no account's report`);
  }
  return { field, warnings };
}

async function checkLayer(target: ClickHouseTarget, layer: SourceLayer, src: LayerSource): Promise<LayerCheck> {
  const result: LayerCheck = { layer, table: src.table, fields: [], problems: [], warnings: [], willNotContain: [], unusedAbsent: [] };
  let from = src.tableFunction ? tableSql(src) : src.table;
  let sortingKey: string | undefined;
  let tableColumns = new Set<string>();
  if (!src.tableFunction) {
    const [db, table] = src.table.split('.') as [string, string];
    const found = await selectRows<{ sorting_key: string }>(target, 'source/table_sorting_key', { db, table });
    if (found.length === 0) {
      result.problems.push(`unknown table ${src.table}: there is no such table on the store; write the database.table your ${layer === 'l34' ? 'flows or samples' : 'events'} are in`);
      return result;
    }
    sortingKey = found[0]!.sorting_key;
    if (src.localTable) {
      // A Distributed table has no sorting key: what a shard reads is ordered by its own table's.
      const [ldb, ltable] = src.localTable.split('.') as [string, string];
      const local = await selectRows<{ sorting_key: string }>(target, 'source/table_sorting_key', { db: ldb, table: ltable });
      if (local.length === 0) {
        result.problems.push(`unknown localTable ${src.localTable}: there is no such table on ${target.description}; write the database.table, on every server, that ${src.table} spreads over`);
        return result;
      }
      sortingKey = local[0]!.sorting_key;
    }
    // On a cluster the source's views read the shard's own table: the expressions are checked, and sampled, there.
    const read = src.localTable ?? src.table;
    const [rdb, rtable] = read.split('.') as [string, string];
    const cols = await selectRows<{ name: string }>(target, 'source/table_columns', { db: rdb, table: rtable });
    tableColumns = new Set(cols.map((c) => c.name));
    // Identifiers checked in definition.ts; quoted anyway so a reserved word names the table.
    from = `\`${rdb}\`.\`${rtable}\``;
  }
  const where = src.where ? ` WHERE (${src.where})` : '';
  try {
    const [r] = await rows<{ n: unknown }>(target, `SELECT count() AS n FROM (SELECT 1 FROM ${from}${where} LIMIT ${SAMPLE_ROWS})`);
    if (toNumber(r?.n) === 0) result.warnings.push(`the table has no rows${where ? ' that pass where' : ''}: types were checked, values were not`);
  } catch (err) {
    result.problems.push(`${src.tableFunction ? 'table' : 'where'}: ${serverMessage(err)}`);
    return result;
  }
  for (const col of mappableColumns(layer)) {
    const expression = src.columns[col.name];
    if (expression === null || expression === undefined) continue;
    const { field, warnings } = await checkField(target, from, where, col.name, expression, col.type);
    result.fields.push(field);
    result.warnings.push(...warnings);
    if (field.problem) result.problems.push(field.problem);
  }
  if (sortingKey !== undefined) {
    const keyWarnings = sortKeyWarnings(src, sortingKey, tableColumns);
    result.warnings.push(...keyWarnings);
    if (keyWarnings.length === 0 && result.problems.length === 0) result.warnings.push(...(await indexWarnings(target, layer, src.localTable ? { ...src, table: src.localTable } : src, tableColumns)));
  } else result.warnings.push('the sorting key of a table function is not checked: a report reads what the function returns for its window');
  return result;
}

/** Checks every layer of `def` against the store `target` points at; queries only, never writes. */
export async function checkSource(target: ClickHouseTarget, def: SourceDefinition): Promise<SourceCheck> {
  const layers: LayerCheck[] = [];
  for (const layer of LAYERS) {
    const src = def[layer];
    if (!src) continue;
    const check = await checkLayer(target, layer, src);
    check.willNotContain = absentConsequences(layer, def);
    check.unusedAbsent = absentUnused(layer, def);
    layers.push(check);
  }
  const check: SourceCheck = { name: def.name, store: target.description, usable: layers.every((l) => l.problems.length === 0), layers };
  // A server message can quote the statement, and with it a table function's expanded credentials.
  return deepHide(check, (t) => hideSecrets(t, def));
}

/** `value` with every string in it passed through `hide`. */
function deepHide<T>(value: T, hide: (t: string) => string): T {
  if (typeof value === 'string') return hide(value) as T;
  if (Array.isArray(value)) return value.map((v) => deepHide(v, hide)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepHide(v, hide)])) as T;
  return value;
}

const LAYER_NAME: Record<SourceLayer, string> = { l34: 'L3/4', l7: 'L7' };

/** The check as the operator reads it: per layer the fields, the problems, the warnings, what reports leave out. */
export function formatSourceCheck(check: SourceCheck): string {
  const out: string[] = [`source ${check.name} on ${check.store}`];
  for (const l of check.layers) {
    out.push('', `${LAYER_NAME[l.layer]} (${NATIVE_TABLE[l.layer]}) from ${l.table}`);
    for (const f of l.fields) out.push(`  ${f.problem ? 'FAIL' : 'ok  '}  ${f.column}: ${f.sourceType ?? '?'} -> ${f.nativeType}`);
    for (const p of l.problems) out.push(`  error: ${p}`);
    for (const w of l.warnings) out.push(`  warning: ${w}`);
    if (l.willNotContain.length > 0) {
      out.push('  the reports will not contain:');
      for (const line of l.willNotContain) out.push(`    - ${line}`);
    }
    if (l.unusedAbsent.length > 0) out.push(`  absent, and read by no report: ${l.unusedAbsent.join(', ')}`);
  }
  out.push('', check.usable ? `source ${check.name} is usable` : `source ${check.name} is not usable: ${check.layers.reduce((n, l) => n + l.problems.length, 0)} problem(s) above`);
  return `${out.join('\n')}\n`;
}

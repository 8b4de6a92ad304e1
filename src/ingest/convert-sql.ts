/**
 * The SELECT that turns raw Logpush lines into rows of a dataset's table, in ClickHouse: each line's JSON is
 * parsed once (JSONExtractKeysAndValues), its keys are lower-cased so spellings match without case, and
 * every column is converted and checked by the rules of values.ts. Each output row says why it cannot be
 * loaded (`reason`), or why a valid line is not loaded (`skip`), and which of its fields no column keeps
 * (`ignored`).
 *
 * This SQL is generated rather than kept in queries/: it is written from the dataset declarations
 * (datasets.ts), so that a field spelling is declared in one place. Field names in it come from those
 * declarations only, never from the data, and every value the caller supplies is a bound parameter
 * ({account}, {zone}, {source}).
 */
import type { Column, Dataset, Kind } from './datasets.js';

/** Where the lines come from: a relation with `raw String`, and the expression giving each line's number. */
export interface LineSource {
  from: string;
  line: string;
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const MAX: Record<string, number> = { u8: 255, u16: 65535, u32: 4294967295, flag: 65535 };
const TYPE: Record<string, string> = { u8: 'UInt8', u16: 'UInt16', u32: 'UInt32' };
const RFC3339 = '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\\\.[0-9]+)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?$';
const NOT_TIME = ' is not a timestamp (RFC 3339 or unix seconds, milliseconds or nanoseconds)';

interface ColumnSql {
  /** Alias definitions this column needs, in order. */
  defs: string[];
  value: string;
  /** True when the line's value cannot become this column's value. */
  invalid: string;
  reason: string;
}

/**
 * One column: `_r` is its value (the first present spelling) as text, `_f` the field name as the line spells
 * it (for reasons).
 */
function columnSql(name: string, column: Column): ColumnSql {
  const a = (suffix: string) => `_${suffix}_${name}`;
  // The value comes as text: strings unescaped, numbers as written, lists and objects as their JSON.
  const [r, f, p] = [a('r'), a('f'), a('p')];
  const raws = column.from.map((field) => `_vals[indexOf(_lkeys, ${quote(field.toLowerCase())})]`);
  const fields = column.from.map((field) => `_keys[indexOf(_lkeys, ${quote(field.toLowerCase())})]`);
  const present = (x: string) => `(${x} NOT IN ('', '[]'))`;
  // First present spelling wins; empty values count as absent, so another spelling may fill the column.
  const pick = (xs: string[]) => (xs.length === 1 ? xs[0]! : `multiIf(${xs.slice(0, -1).map((x, i) => `${present(raws[i]!)}, ${x}`).join(', ')}, ${xs.at(-1)})`);
  const defs = [
    `${pick(raws)} AS ${r}`,
    `${present(r)} AS ${p}`,
    `${pick(fields)} AS ${f}`,
  ];
  // Lists and objects come as their JSON text, like a string that looks like one (a user agent may be
  // '{"a":1}'): the line itself tells them apart, asked only when the value starts like one.
  const type = `JSONType(raw, ${f})`;
  const starts = `(startsWith(${r}, '{') OR startsWith(${r}, '['))`;
  const structured = `(${starts} AND ${type} IN ('Object', 'Array'))`;
  const notText = `concat(${f}, ' is ', if(${type} = 'Array', 'a list', 'an object'), ', not text')`;
  const text = `if(${p}, substringUTF8(${r}, 1, 8192), '')`;
  const kind = kindSql(column.kind, { r, f, p, a, structured, notText, text });
  return { ...kind, defs: [...defs, ...(kind.defs ?? [])] };
}

interface Names { r: string; f: string; p: string; a: (suffix: string) => string; structured: string; notText: string; text: string }

function kindSql(kind: Kind, n: Names): Omit<ColumnSql, 'defs'> & { defs?: string[] } {
  const { r, f, p } = n;
  switch (kind) {
    case 'text':
      return { value: n.text, invalid: `${p} AND ${n.structured}`, reason: n.notText };
    case 'upper':
      return { value: `upperUTF8(${n.text})`, invalid: `${p} AND ${n.structured}`, reason: n.notText };
    case 'colo':
      return { value: `upperUTF8(replaceRegexpOne(${n.text}, '[0-9]+$', ''))`, invalid: `${p} AND ${n.structured}`, reason: n.notText };
    case 'first':
      // http_requests lists several security actions, sources and rules; the first is the one that acted.
      return { value: `if(startsWith(${r}, '[') AND JSONType(raw, ${f}) = 'Array', JSONExtractString(${r}, 1), ${n.text})`, invalid: `${p} AND startsWith(${r}, '{') AND JSONType(raw, ${f}) = 'Object'`, reason: n.notText };
    case 'ip': {
      const ip = `toIPv6OrNull(trimBoth(${r}))`;
      return { value: `if(${p}, ifNull(${ip}, toIPv6('::')), toIPv6('::'))`, invalid: `${p} AND isNull(${ip})`, reason: `concat(${f}, ' ', toJSONString(${r}), ' is not an IPv4 or IPv6 address')` };
    }
    case 'time': {
      const t = `trimBoth(${r})`;
      const int = `splitByChar('.', ${t})[1]`;
      const numeric = `match(${t}, '^[0-9]+(\\\\.[0-9]+)?$')`;
      // A unix time's unit is told by its size: seconds (≤ 11 digits), milliseconds (12-14), microseconds (15-17), nanoseconds (18-19).
      const ms = `multiIf(length(${int}) <= 11, toInt64(floor(toFloat64OrZero(${t}) * 1000)), length(${int}) <= 14, toInt64(floor(toFloat64OrZero(${t}))),
        length(${int}) <= 17, toInt64(floor(toFloat64OrZero(${t}) / 1000)), length(${int}) <= 19, toInt64(intDiv(toUInt64OrZero(${int}), 1000000)), NULL)`;
      const parsed = `if(${numeric}, fromUnixTimestamp64Milli(${ms}, 'UTC'), if(match(${t}, '${RFC3339}'), parseDateTime64BestEffortOrNull(${t}, 3, 'UTC'), NULL))`;
      return { defs: [`${parsed} AS ${n.a('t')}`], value: `assumeNotNull(${n.a('t')})`, invalid: `isNull(${n.a('t')})`, reason: `concat(${f}, ' ', toJSONString(${r}), '${NOT_TIME}')` };
    }
    default: {
      const num = `toUInt64OrNull(trimBoth(${r}))`;
      const max = MAX[kind]!;
      const ok = `${num} <= ${max}`;
      const value = kind === 'flag' ? `toUInt8(ifNull(${num}, 0) > 0)` : `to${TYPE[kind]}(if(${p}, ifNull(${num}, 0), 0))`;
      return { value, invalid: `${p} AND NOT ifNull(${ok}, 0)`, reason: `concat(${f}, ' ', toJSONString(${r}), ' is not an integer from 0 to ${max}')` };
    }
  }
}

/** The dataset's columns the conversion fills, with the tenant and provenance columns, in the order it returns them. */
export function loadedColumns(ds: Dataset): string[] {
  return ['AccountID', 'ZoneID', '_Source', ...Object.keys(ds.constants ?? {}), ...Object.keys(ds.columns)];
}

/**
 * SELECT line, reason, skip, ignored, text, <loadedColumns> over the non-blank lines of `source`. `text` is the
 * start of a rejected line (empty for the others). Binds {account:String}, {zone:String} and {source:String}.
 * `types` (column → ClickHouse type, from the target table) makes each column come out in its table's type.
 */
export function conversionSelect(ds: Dataset, source: LineSource, types: Record<string, string> = {}): string {
  if (!ds.columns.Datetime) throw new Error(`dataset ${ds.name} has no Datetime column`);
  const columns = Object.entries(ds.columns).map(([name, column]) => ({ name, ...columnSql(name, column) }));
  const known = [...new Set(Object.values(ds.columns).flatMap((c) => c.from.map((f) => f.toLowerCase())))];
  const reason = [
    // An empty key list is a line that is not JSON, not an object, or an empty object; only those are checked further.
    `empty(_kv) AND NOT isValidJSON(raw), 'not JSON'`,
    `empty(_kv) AND NOT startsWith(trimLeft(raw), '{'), 'the line is not a JSON object'`,
    `NOT _p_Datetime, ${quote(`no ${ds.columns.Datetime!.from[0]} field (is this line from another dataset?)`)}`,
    ...columns.map((c) => `${c.invalid}, ${c.reason}`),
  ];
  const skip = ds.skipWhenEmpty ? `if(reason = '' AND ${ds.skipWhenEmpty.column} = '', ${quote(ds.skipWhenEmpty.reason)}, '')` : "''";
  const constants = Object.entries(ds.constants ?? {}).map(([k, v]) => `${typeof v === 'number' ? v : quote(v)} AS ${k}`);
  const inner = [
    `${source.line} AS line`,
    "JSONExtractKeysAndValues(raw, 'String') AS _kv",
    // tupleElement takes the keys and values as they lie in the pairs; arrayMap would copy them.
    'tupleElement(_kv, 1) AS _keys',
    'arrayMap(x -> lower(x), _keys) AS _lkeys',
    'tupleElement(_kv, 2) AS _vals',
    ...columns.flatMap((c) => [...c.defs, `${c.value} AS ${c.name}`]),
    `multiIf(${reason.join(',\n    ')}, '') AS reason`,
    `${skip} AS skip`,
    // IN looks the key up in a set; has() would scan the list for every key of every line.
    `if(reason = '', arrayFilter((k, lk) -> lk NOT IN (${known.map(quote).join(', ')}), _keys, _lkeys), []) AS ignored`,
    "if(reason = '', '', substringUTF8(raw, 1, 500)) AS text",
    '{account:String} AS AccountID',
    '{zone:String} AS ZoneID',
    '{source:String} AS _Source',
    ...constants,
  ];
  const typed = loadedColumns(ds).map((c) => (types[c] ? `CAST(${c} AS ${types[c]}) AS ${c}` : c));
  return `SELECT line, reason, skip, ignored, text, ${typed.join(', ')}
FROM (
  SELECT
    ${inner.join(',\n    ')}
  FROM ${source.from}
  WHERE notEmpty(trimBoth(raw, ' \\t\\r'))
)`;
}

/**
 * Loads a source definition file (YAML; see examples/sources/ and the README's "Sources" section) into a
 * SourceDefinition. Like the configuration file, every problem is collected with its path and line and all
 * are reported together (SourceDefinitionError, exit 2).
 *
 * Strict on purpose: each layer must account for every raw column of the product, as an expression or as null
 * (absent), so that what a report leaves out is always a decision written in the file, never a column forgotten.
 * `defaults: absent` in a layer is the short way to say "every column not listed is absent".
 */
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { z } from 'zod';
import { UsageError, errorMessage } from '../errors.js';
import { readRegularFile } from '../util/read-file.js';
import { NATIVE_TABLE, mappableColumns } from './native.js';
import { variablesIn } from './secrets.js';
import type { LayerSource, SourceDefinition, SourceLayer } from './types.js';

/** A definition with problems: each line is `path (line N): message`. */
export class SourceDefinitionError extends UsageError {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid source definition ${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

export const LAYERS: readonly SourceLayer[] = ['l34', 'l7'];

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_EXPRESSION = 4000;

/**
 * Raw columns a source must map (never null): without them there is no report at all. L3/4 also needs a
 * volume: SampleInterval (each row stands for that many packets) or Packets and Bytes (flow records).
 */
export const REQUIRED: Record<SourceLayer, readonly string[]> = { l34: ['Datetime', 'AccountID'], l7: ['Datetime', 'AccountID', 'ZoneID'] };

const expression = z
  .string()
  .trim()
  .min(1, 'is empty; write an SQL expression over your table, or null when the source lacks this field')
  .max(MAX_EXPRESSION, `is longer than ${MAX_EXPRESSION} characters`)
  .refine((s) => !s.includes(';'), 'contains ";": an expression is one SQL expression, not statements');

const layerSchema = z
  .object({
    table: z.string().trim().min(1, 'is empty; write database.table'),
    tableFunction: z.boolean().optional(),
    localTable: z.string().trim().min(1, 'is empty; write database.table of the shard-local table, or leave localTable out').optional(),
    feed: z.enum(['materialized-view', 'periodic'], { error: 'must be materialized-view (a trigger on your table) or periodic (inserts in time chunks)' }),
    columns: z.record(z.string(), expression.nullable(), { error: 'must be a map of raw column name: SQL expression (or null when absent)' }),
    defaults: z.literal('absent', { error: 'can only be "absent" (every raw column not listed under columns is absent)' }).optional(),
    where: expression.optional(),
  })
  .strict();

const definitionSchema = z
  .object({
    name: z.string().regex(IDENT, 'must be a plain identifier (letters, digits, underscore; not starting with a digit)'),
    l34: layerSchema.optional(),
    l7: layerSchema.optional(),
  })
  .strict();

type Path = (string | number)[];
type Problem = { path: Path; message: string };

/** Rules zod cannot say alone: table names, raw column names, absence declared, required fields present. */
function layerProblems(layer: SourceLayer, src: z.infer<typeof layerSchema>, env: NodeJS.ProcessEnv): Problem[] {
  const problems: Problem[] = [];
  const at = (...p: Path): Path => [layer, ...p];
  if (src.tableFunction) {
    if (!/^[A-Za-z][A-Za-z0-9_]*\(.*\)$/s.test(src.table)) problems.push({ path: at('table'), message: 'with tableFunction: true must be a table function call, e.g. remote(...) or s3(...)' });
  } else if (!/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/.test(src.table)) {
    problems.push({ path: at('table'), message: `must be database.table (plain identifiers); got ${JSON.stringify(src.table)}` });
  }
  const table = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;
  if (src.localTable !== undefined) {
    if (src.tableFunction) problems.push({ path: at('localTable'), message: 'cannot go with tableFunction: a table function has no shard-local table; leave localTable out' });
    else if (!table.test(src.localTable)) problems.push({ path: at('localTable'), message: `must be database.table (plain identifiers) of the table on each shard that ${src.table} spreads over; got ${JSON.stringify(src.localTable)}` });
    else if (src.localTable === src.table) problems.push({ path: at('localTable'), message: `names the same table as table: on a cluster, table is the Distributed table and localTable the shard's own table under it` });
  }
  if (!src.tableFunction && src.table.includes('${')) problems.push({ path: at('table'), message: '${…} (an environment variable) is only read in a table function (tableFunction: true)' });
  // An expression is written into statements as it is: a variable there would reach the server unexpanded.
  for (const [key, expr] of [...Object.entries(src.columns).map(([k, e]) => [['columns', k], e] as const), [['where'], src.where] as const]) {
    if (typeof expr === 'string' && variablesIn(expr).length > 0) problems.push({ path: at(...key), message: '${…} (an environment variable) is only read in a table function\'s table, not in an expression' });
  }
  if (src.tableFunction) {
    for (const name of variablesIn(src.table)) {
      if (!env[name]) problems.push({ path: at('table'), message: `names the environment variable ${name}, which is not set: set it before running (its value is never printed)` });
    }
  }
  const native = mappableColumns(layer).map((c) => c.name);
  for (const key of Object.keys(src.columns)) {
    if (!native.includes(key)) problems.push({ path: at('columns', key), message: `is not a raw column of ${NATIVE_TABLE[layer]} (columns: ${native.join(', ')})` });
  }
  if (src.defaults !== 'absent') {
    const missing = native.filter((c) => !(c in src.columns));
    if (missing.length > 0) {
      problems.push({ path: at('columns'), message: `does not say what ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'}: map each to an expression, set it to null (absent), or add "defaults: absent" to the layer` });
    }
  }
  const has = (c: string) => typeof src.columns[c] === 'string';
  for (const c of REQUIRED[layer]) {
    if (!has(c)) problems.push({ path: at('columns', c), message: `is required: a report cannot be made without it` });
  }
  if (layer === 'l34' && !has('SampleInterval') && !(has('Packets') && has('Bytes'))) {
    problems.push({ path: at('columns'), message: 'needs a volume: SampleInterval (packets each row stands for) or both Packets and Bytes (flow records)' });
  }
  return problems;
}

/**
 * Parses and validates a definition's text; `file` only names it in messages. `env` is where the table
 * function's `${NAME}` variables must be set (they are read again when a statement is built, never stored).
 */
export function parseSourceDefinition(text: string, file: string, env: NodeJS.ProcessEnv = process.env): SourceDefinition {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) throw new SourceDefinitionError(file, doc.errors.map((e) => `line ${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`));
  const lineOf = (p: Path): string => {
    // The deepest key that exists on the path (a missing one is reported at its parent): the key's own line,
    // since a map's value starts on the line of its first entry.
    for (let n = p.length; n > 0; n--) {
      const parent = doc.getIn(p.slice(0, n - 1), true);
      const pair = isMap(parent) ? parent.items.find((i) => isScalar(i.key) && i.key.value === p[n - 1]) : undefined;
      const at = (pair?.key as Node | undefined)?.range ?? (doc.getIn(p.slice(0, n), true) as Node | undefined)?.range;
      if (at) return ` (line ${lines.linePos(at[0]).line})`;
    }
    return doc.contents?.range ? ` (line ${lines.linePos(doc.contents.range[0]).line})` : '';
  };
  const show = (p: Path) => (p.length === 0 ? '(top level)' : p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${k}`)).join(''));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new SourceDefinitionError(file, [`(top level): ${errorMessage(err)}`]);
  }
  const parsed = definitionSchema.safeParse(data ?? {});
  const problems: Problem[] = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path as Path, message: i.message }));
  if (parsed.success) {
    const def = parsed.data;
    if (!def.l34 && !def.l7) problems.push({ path: [], message: 'defines no layer: add l34 (packet samples or flows) and/or l7 (security events)' });
    for (const layer of LAYERS) if (def[layer]) problems.push(...layerProblems(layer, def[layer], env));
  }
  if (problems.length > 0 || !parsed.success) throw new SourceDefinitionError(file, problems.map((p) => `${show(p.path)}${lineOf(p.path)}: ${p.message}`));
  const out: SourceDefinition = { name: parsed.data.name };
  for (const layer of LAYERS) {
    const src = parsed.data[layer];
    if (!src) continue;
    // Every raw column appears in the result: absent ones as null, whether written or implied by `defaults`.
    const columns = Object.fromEntries(mappableColumns(layer).map((c) => [c.name, src.columns[c.name] ?? null]));
    const result: LayerSource = { table: src.table, feed: src.feed, columns };
    if (src.tableFunction) result.tableFunction = true;
    if (src.localTable !== undefined) result.localTable = src.localTable;
    if (src.where !== undefined) result.where = src.where;
    out[layer] = result;
  }
  return out;
}

/** Reads and validates a source definition file; a SourceDefinitionError (exit 2) lists every problem. */
export function loadSourceDefinition(file: string, env: NodeJS.ProcessEnv = process.env): SourceDefinition {
  const text = readRegularFile(file, { what: 'the source definition', maxBytes: MAX_FILE_BYTES }).toString('utf8');
  return parseSourceDefinition(text, file, env);
}

/**
 * The product's raw columns, read from the native schema files (queries/schema/010_net_samples.sql and
 * 011_l7_events.sql): the one definition of what a source definition must cover and of what a source's
 * projection restates, so that neither is a second copy that drifts. Columns whose name starts with `_`
 * (_Source, _IngestedAt) are the loader's bookkeeping, not telemetry: a definition neither maps nor declares
 * them, and a projection gives them their DEFAULT.
 */
import fs from 'node:fs';
import path from 'node:path';
import { QUERIES_DIR } from '../util/paths.js';
import type { SourceLayer } from './types.js';

/** One column of a native raw table, as its DDL declares it. */
export interface NativeColumn {
  name: string;
  type: string;
  /** The DEFAULT expression (over other native column names), or undefined when the column has none (required). */
  default?: string;
}

/** The schema file and table of each layer's raw table. */
export const RAW_FILES: Record<SourceLayer, { file: string; table: string }> = {
  l34: { file: '010_net_samples', table: 'net_samples' },
  l7: { file: '011_l7_events', table: 'l7_events' },
};

const cache = new Map<SourceLayer, NativeColumn[]>();

/**
 * The raw table's columns in DDL order, read from its schema file so that a source's projection follows the
 * schema as it is (a column added there is projected, with its DEFAULT, without touching this code).
 */
export function nativeColumns(layer: SourceLayer): NativeColumn[] {
  const hit = cache.get(layer);
  if (hit) return hit;
  const sql = fs.readFileSync(path.join(QUERIES_DIR, 'schema', `${RAW_FILES[layer].file}.sql`), 'utf8');
  const body = sql.slice(sql.indexOf('\n(\n') + 3, sql.search(/\n\)\s*\nENGINE/));
  const columns: NativeColumn[] = [];
  for (const raw of body.split('\n')) {
    const line = raw.replace(/--.*$/, '').trim().replace(/,$/, '');
    if (!line || line.startsWith('INDEX ')) continue;
    const m = /^(\w+)\s+(.+)$/.exec(line);
    if (!m) throw new Error(`${RAW_FILES[layer].file}.sql: cannot read the column line ${JSON.stringify(raw)}`);
    const rest = m[2]!.replace(/\s+CODEC\(.*\)$/, '');
    const at = rest.indexOf(' DEFAULT ');
    columns.push(at < 0 ? { name: m[1]!, type: rest.trim() } : { name: m[1]!, type: rest.slice(0, at).trim(), default: rest.slice(at + 9).trim() });
  }
  cache.set(layer, columns);
  return columns;
}

/** What the product's tables are called, for messages: the reader knows them from the README. */
export const NATIVE_TABLE: Record<SourceLayer, string> = { l34: RAW_FILES.l34.table, l7: RAW_FILES.l7.table };

/** The raw columns a source definition maps or declares absent: all but the loader's bookkeeping (`_…`). */
export function mappableColumns(layer: SourceLayer): NativeColumn[] {
  return nativeColumns(layer).filter((c) => !c.name.startsWith('_'));
}

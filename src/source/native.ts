/**
 * The product's raw columns, read from the native schema files (queries/schema/010_net_samples.sql and
 * 011_l7_events.sql) so that the list a source definition must cover is never a second copy that drifts.
 * Columns whose name starts with `_` (_Source, _IngestedAt) are the loader's bookkeeping, not telemetry: a
 * source neither maps nor declares them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { QUERIES_DIR } from '../util/paths.js';
import type { SourceLayer } from './types.js';

export interface NativeColumn {
  name: string;
  /** The ClickHouse type as the schema declares it, e.g. `LowCardinality(String)`, `DateTime64(3, 'UTC')`. */
  type: string;
}

const FILES: Record<SourceLayer, string> = { l34: '010_net_samples.sql', l7: '011_l7_events.sql' };
/** What the product's tables are called, for messages: the reader knows them from the README. */
export const NATIVE_TABLE: Record<SourceLayer, string> = { l34: 'net_samples', l7: 'l7_events' };

const cache = new Map<SourceLayer, NativeColumn[]>();

/** The raw columns of a layer in schema order. */
export function nativeColumns(layer: SourceLayer): NativeColumn[] {
  let columns = cache.get(layer);
  if (columns) return columns;
  const text = fs.readFileSync(path.join(QUERIES_DIR, 'schema', FILES[layer]), 'utf8');
  const lines = text.split('\n');
  // The column list sits between a line `(` and a line `)` (the header comment may hold parentheses too).
  const body = lines.slice(lines.findIndex((l) => l.trim() === '(') + 1, lines.findIndex((l) => l.trim() === ')'));
  columns = [];
  for (const raw of body) {
    const line = raw.trim();
    // A column line: name, type, optional CODEC and DEFAULT, a trailing comma. INDEX lines and comments are not.
    const m = /^([A-Za-z][A-Za-z0-9]*)\s+(.+?)(?:\s+CODEC\(.*?\)\)?)?(?:\s+DEFAULT\s+.*?)?,?$/.exec(line);
    if (!m || line.startsWith('INDEX') || line.startsWith('--')) continue;
    columns.push({ name: m[1]!, type: m[2]!.replace(/\s+(CODEC|DEFAULT)\b.*$/, '') });
  }
  if (!columns.some((c) => c.name === 'Datetime')) throw new Error(`could not read the raw columns from queries/schema/${FILES[layer]}`);
  cache.set(layer, columns);
  return columns;
}

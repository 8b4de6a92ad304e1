/**
 * Column mappings for flow CSVs (YAML, see examples/mappings/cic-flows.yaml): which CSV column fills which
 * schema column, constants, value rewrites, and sums of columns for packets and bytes. A column or a sum may
 * list alternatives, the first the header has winning, since tools rename columns between versions
 * (CICFlowMeter's `Source IP` became `Src IP`). A mapping is checked when it is loaded, and against each
 * file's header before any row is read.
 */
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { DATASETS, convertValue } from './datasets.js';
import { RowError } from './values.js';

const target = DATASETS.network_analytics_logs!;
/** Columns of net_samples a mapping may fill: the Logpush ones, plus the flow totals. */
const COLUMNS = [...Object.keys(target.columns), 'Packets', 'Bytes'];
const columnName = z.string().refine((c) => COLUMNS.includes(c), { message: `must be a net_samples column (${COLUMNS.join(', ')})` });

const TENANT_COLUMNS = ['AccountID', 'ZoneID'];
const alternatives = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (typeof v === 'string' ? [v] : v));

/** Constants fill columns; the tenant columns are not among them, whatever the value (it would override --account). */
function checkConstants(constants: Record<string, unknown>, ctx: z.RefinementCtx): void {
  for (const key of Object.keys(constants)) {
    if (TENANT_COLUMNS.includes(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'the tenant comes from --account and --zone, not from the mapping' });
    else if (!COLUMNS.includes(key)) ctx.addIssue({ code: 'custom', path: [key], message: `must be a net_samples column (${COLUMNS.join(', ')})` });
  }
}

const mappingSchema = z
  .object({
    /** Only flows into net_samples for now (one row per flow; Packets and Bytes set from the flow's totals). */
    table: z.literal('net_samples'),
    /** Schema column: CSV column, or a list of CSV columns of which the first the header has is read. */
    columns: z.record(columnName, alternatives).refine((c) => 'Datetime' in c, { message: 'must map Datetime' }),
    constants: z.record(z.string(), z.union([z.string(), z.number()])).superRefine(checkConstants).default({}),
    /** `Column A + Column B` (CSV column names), each a non-negative whole number per row; or a list of such sums, of which the first whose columns the header all has is used. */
    sums: z.record(columnName, alternatives).default({}),
    /** Per schema column, values replaced after reading (e.g. BENIGN → "" for no attack vector). */
    values: z.record(columnName, z.record(z.string(), z.union([z.string(), z.number()]))).default({}),
  })
  .strict();

export type Mapping = z.infer<typeof mappingSchema>;

export function loadMapping(file: string): Mapping {
  let raw: unknown;
  try {
    raw = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read the mapping ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = mappingSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(`invalid mapping ${file}:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`).join('\n')}`);
  }
  return parsed.data;
}

const PROTOCOL_NAMES: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 47: 'GRE', 58: 'ICMPV6' };

/** A row builder for one file: header names are trimmed and matched without case (CIC headers start with spaces). */
export function compileMapping(mapping: Mapping, header: string[], file: string): (record: string[]) => Record<string, string | number> {
  const index = new Map(header.map((h, i) => [h.trim().toLowerCase(), i]));
  const has = (name: string) => index.has(name.trim().toLowerCase());
  const missing = (names: string[]) =>
    new UsageError(`${file}: the mapping names the column ${names.map((n) => JSON.stringify(n.trim())).join(' (or ')}${names.length > 1 ? ')' : ''}, which the header does not have`);
  const fields = Object.entries(mapping.columns).map(([column, names]) => {
    const csv = names.find(has);
    if (csv === undefined) throw missing(names);
    return { column, i: index.get(csv.trim().toLowerCase())!, csv: csv.trim(), kind: target.columns[column]?.kind };
  });
  const sums = Object.entries(mapping.sums).map(([column, exprs]) => {
    const terms = exprs.map((expr) => expr.split('+').map((t) => t.trim()));
    const chosen = terms.find((names) => names.every(has));
    // Named by the first alternative's first absent column: what the user is most likely to look for.
    if (!chosen) throw missing(terms.map((names) => names.find((n) => !has(n))!));
    return { column, terms: chosen.map((name) => ({ name, i: index.get(name.toLowerCase())! })) };
  });
  return (record) => {
    const row: Record<string, string | number> = { ...mapping.constants };
    for (const { column, i, csv, kind } of fields) {
      const text = (record[i] ?? '').trim();
      const rewritten = mapping.values[column]?.[text];
      const value = rewritten !== undefined ? rewritten : text;
      if (value === '' && rewritten === undefined) continue;
      row[column] = kind && rewritten === undefined ? convertValue(kind, value, csv) : value;
    }
    for (const { column, terms } of sums) {
      row[column] = terms.reduce((total, t) => total + count((record[t.i] ?? '').trim(), t.name), 0);
    }
    if (row.IPProtocolName === undefined && typeof row.IPProtocol === 'number') row.IPProtocolName = PROTOCOL_NAMES[row.IPProtocol] ?? '';
    return row;
  };
}

/**
 * A count: a non-negative whole number. Flow tools write some counts as floats ("42680.0"), which is fine;
 * "Infinity", NaN, negatives (CICFlowMeter's header-length overflow produces them) and fractions are not.
 */
function count(text: string, column: string): number {
  const v = text === '' ? NaN : Number(text);
  if (!Number.isSafeInteger(v) || v < 0) throw new RowError(`${column} ${JSON.stringify(text)} is not a non-negative whole number`);
  return v;
}

import fs from 'node:fs';
import { parse, type CsvError } from 'csv-parse';
import type { ClickHouseTarget } from '../clickhouse/client.js';

/**
 * Loader for CICFlowMeter flow CSVs as published with CIC-DDoS2019: one row per bidirectional flow, 88 columns,
 * header names with stray leading spaces, labelled per flow. Each complete flow becomes one `net_samples` row
 * whose Packets/Bytes are the flow's totals (SampleInterval 1: flows are exact counts, not samples).
 */

export interface CicLoadOptions {
  accountId: string;
  zoneId?: string;
}

export interface CicLoadResult {
  /** Data records seen (header excluded); always inserted + rejected.length. */
  read: number;
  /**
   * Rows sent in INSERTs. net_samples deduplicates a batch identical to a recent one
   * (non_replicated_deduplication_window), so re-loading the same file with the same options stores nothing new.
   */
  inserted: number;
  rejected: { line: number; reason: string }[];
}

/** Rows per INSERT: large enough to keep the number of parts low, small enough to stream big files. */
const BATCH_ROWS = 5_000;

const COL = {
  timestamp: 'Timestamp',
  srcIp: 'Source IP',
  srcPort: 'Source Port',
  dstIp: 'Destination IP',
  dstPort: 'Destination Port',
  protocol: 'Protocol',
  fwdPackets: 'Total Fwd Packets',
  bwdPackets: 'Total Backward Packets',
  fwdBytes: 'Total Length of Fwd Packets',
  bwdBytes: 'Total Length of Bwd Packets',
  label: 'Label',
} as const;

type ColumnIndex = Record<keyof typeof COL, number>;

/** Thrown for a row that cannot become a net_samples row; the message is the reason reported to the caller. */
class RowError extends Error {}

export async function loadCicFlowCsv(target: ClickHouseTarget, file: string, opts: CicLoadOptions): Promise<CicLoadResult> {
  const result: CicLoadResult = { read: 0, inserted: 0, rejected: [] };
  // relax_column_count: a short row (the cut-off last line of a `head -c` sample) must reach us so that we can
  // reject it by line number, instead of the parser aborting the whole file. skip_records_with_error does the
  // same for malformed quoting, which would otherwise end the stream.
  const parser = fs.createReadStream(file).pipe(
    parse({
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err: CsvError | undefined) => {
        result.read += 1;
        const line = typeof err?.lines === 'number' ? err.lines : -1;
        result.rejected.push({ line, reason: `unparseable CSV: ${err?.message ?? 'unknown error'}` });
        return undefined;
      },
    }),
  );

  let header: string[] | null = null;
  let index: ColumnIndex | null = null;
  let batch: Record<string, unknown>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const values = batch;
    batch = [];
    await target.client.insert({ table: `${target.database}.net_samples`, format: 'JSONEachRow', values });
    result.inserted += values.length;
  };

  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (header === null) {
      header = record.map((h) => h.trim());
      index = columnIndex(header, file);
      continue;
    }
    result.read += 1;
    try {
      if (record.length !== header.length) {
        throw new RowError(`expected ${header.length} columns, found ${record.length} (truncated or malformed row)`);
      }
      batch.push(toRow(record, index!, opts));
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
      result.rejected.push({ line: info.lines, reason: err.message });
      continue;
    }
    if (batch.length >= BATCH_ROWS) await flush();
  }
  if (header === null) throw new Error(`${file}: empty file, no CIC flow header`);
  await flush();
  return result;
}

function columnIndex(header: string[], file: string): ColumnIndex {
  const out = {} as ColumnIndex;
  const missing: string[] = [];
  for (const [key, name] of Object.entries(COL) as [keyof typeof COL, string][]) {
    const i = header.indexOf(name);
    if (i < 0) missing.push(name);
    out[key] = i;
  }
  // A file without these columns is not a CIC flow export at all; that is a caller error, not a bad row.
  if (missing.length) throw new Error(`${file}: not a CIC flow CSV, missing column(s): ${missing.join(', ')}`);
  return out;
}

function toRow(rec: string[], ix: ColumnIndex, opts: CicLoadOptions): Record<string, unknown> {
  const f = (k: keyof typeof COL) => (rec[ix[k]] ?? '').trim();
  const label = f('label');
  const proto = count(f('protocol'), COL.protocol);
  // Everything a batch INSERT would choke on is checked here, so one bad row never costs its neighbours.
  return {
    AccountID: opts.accountId,
    ZoneID: opts.zoneId ?? '',
    Datetime: toDatetime(f('timestamp')),
    SampleInterval: 1,
    Packets: count(f('fwdPackets'), COL.fwdPackets) + count(f('bwdPackets'), COL.bwdPackets),
    Bytes: count(f('fwdBytes'), COL.fwdBytes) + count(f('bwdBytes'), COL.bwdBytes),
    // BENIGN flows are background traffic: they count in totals but belong to no attack vector.
    AttackVector: label.toUpperCase() === 'BENIGN' ? '' : label,
    IPSourceAddress: mappedIpv6(f('srcIp'), COL.srcIp),
    IPDestinationAddress: mappedIpv6(f('dstIp'), COL.dstIp),
    SourcePort: port(f('srcPort'), COL.srcPort),
    DestinationPort: port(f('dstPort'), COL.dstPort),
    // CICFlowMeter writes 0 for anything that is neither TCP nor UDP, so 0/'' is the honest mapping.
    IPProtocol: proto === 6 || proto === 17 ? proto : 0,
    IPProtocolName: proto === 6 ? 'tcp' : proto === 17 ? 'udp' : '',
    Outcome: '',
    _Source: 'cic-flow',
  };
}

/**
 * Non-negative whole number. CIC writes some counts as floats ("42680.0"), which is fine; "Infinity", NaN,
 * negatives (the header-length overflow bug shows they occur) and fractions are not counts.
 */
function count(text: string, column: string): number {
  const v = text === '' ? NaN : Number(text);
  if (!Number.isSafeInteger(v) || v < 0) throw new RowError(`${column}: ${JSON.stringify(text)} is not a non-negative integer`);
  return v;
}

function port(text: string, column: string): number {
  const v = count(text, column);
  if (v > 65535) throw new RowError(`${column}: ${v} is not a port`);
  return v;
}

/** The schema stores every address as IPv6; IPv4 goes in as IPv4-mapped so that IPv6NumToString shows a.b.c.d. */
function mappedIpv6(text: string, column: string): string {
  const parts = text.split('.');
  const ok = parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
  if (!ok) throw new RowError(`${column}: ${JSON.stringify(text)} is not an IPv4 address`);
  return `::ffff:${parts.map(Number).join('.')}`;
}

/**
 * "YYYY-MM-DD HH:MM:SS[.ffffff]" with no zone; read as UTC (the file gives no offset, and guessing the testbed's
 * zone would shift every flow). Fractions are truncated, not rounded, so a flow never moves into the next
 * second or minute bucket.
 */
function toDatetime(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(text);
  if (!m) throw new RowError(`${COL.timestamp}: ${JSON.stringify(text)} is not "YYYY-MM-DD HH:MM:SS[.ffffff]"`);
  // The pattern lets 2018-02-31 through; a round trip catches it here rather than failing the whole INSERT.
  const d = new Date(`${m[1]}T${m[2]}Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 19) !== `${m[1]}T${m[2]}`) {
    throw new RowError(`${COL.timestamp}: ${JSON.stringify(text)} is not a valid date and time`);
  }
  return `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}`;
}

/**
 * Streams a flow CSV (plain or gzip) into net_samples through a column mapping (mapping.ts): one row per flow,
 * packets and bytes from the flow's totals. A short row (a file cut off mid-line), a malformed one, an over-long
 * line or a value that is not what its column needs is rejected with its line number; its neighbours load.
 * Idempotent like the NDJSON loader (batches.ts).
 */
import { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { inputFailure, noteTimeSpan, oversizedReason, startLoad, type IngestSummary, type LoadOptions } from './batches.js';
import { boundLines, decoded, DEFAULT_MAX_EXPANDED_BYTES, DEFAULT_MAX_LINE_BYTES, type OversizedLine } from './lines.js';
import { compileMapping, type Mapping } from './mapping.js';
import { RowError } from './values.js';

export interface CsvIngestOptions extends LoadOptions {
  mapping: Mapping;
}

export async function ingestCsv(target: ClickHouseTarget, name: string, input: Readable, opts: CsvIngestOptions, summary: IngestSummary): Promise<void> {
  const { writer, reject } = startLoad(target, 'net_samples', ['csv', opts.accountId, opts.zoneId], name, opts, summary);
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const maxExpandedBytes = opts.maxExpandedBytes ?? DEFAULT_MAX_EXPANDED_BYTES;
  // Lines over the length bound reach the parser as empty lines (which it skips) and are rejected here, in line order.
  const oversized: OversizedLine[] = [];
  const rejectOversized = (below: number) => {
    while (oversized.length && oversized[0]!.line < below) {
      const o = oversized.shift()!;
      summary.read++;
      reject(o.line, oversizedReason(o, maxLineBytes), o.head);
    }
  };
  let oversizedCount = 0;
  let endsWithNewline = false;
  const lines = boundLines(decoded(input, { bytes: 0 }, maxExpandedBytes), maxLineBytes, (o) => {
    oversizedCount++;
    oversized.push(o);
  });
  const bytes = Readable.from((async function* () {
    for await (const piece of lines) {
      if (piece.length) endsWithNewline = piece[piece.length - 1] === 10;
      yield piece;
    }
  })());
  const parser = bytes.pipe(
    parse({
      info: true,
      // A short row must reach us to be rejected by number, rather than the parser aborting the file; so must
      // a row with broken quoting.
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      // An unclosed quote would otherwise make the rest of the file one field.
      max_record_size: maxLineBytes,
      on_skip: (err: CsvError | undefined) => {
        summary.read++;
        reject(typeof err?.lines === 'number' ? err.lines : -1, `unparseable CSV (${err?.message ?? 'unknown error'})`, '');
        return undefined;
      },
    }),
  );
  // pipe() does not pass an input error on: the parser is ended instead, so that the rows it holds still come
  // out (a cut-off gzip loads every row before the cut), and the error is thrown after them.
  let inputError: unknown = null;
  bytes.on('error', (err) => {
    inputError = err;
    parser.end();
  });
  let header: string[] | null = null;
  let build: ((record: string[]) => Record<string, string | number>) | null = null;
  let line = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      line = info.lines;
      rejectOversized(line);
      if (!header) {
        header = record;
        build = compileMapping(opts.mapping, header, name);
        continue;
      }
      summary.read++;
      try {
        if (record.length !== header.length) throw new RowError(`expected ${header.length} columns, found ${record.length} (a cut-off or malformed row)`);
        const row = build!(record);
        await writer.add({ ...row, AccountID: opts.accountId, ZoneID: opts.zoneId, _Source: 'csv' }, record.join('\u001f'));
        if (typeof row.Datetime === 'string') {
          const ms = Date.parse(`${row.Datetime.replace(' ', 'T')}Z`);
          noteTimeSpan(summary, ms, ms);
        }
      } catch (err) {
        if (!(err instanceof RowError)) throw err;
        reject(info.lines, err.message, record.join(','));
      }
    }
    rejectOversized(Infinity);
    // The parser counts as empty lines the over-long lines' stand-ins, and the nothing after a final newline.
    summary.blank += parser.info.empty_lines - oversizedCount - (endsWithNewline ? 1 : 0);
    if (inputError) throw inputError;
  } catch (err) {
    const failure = inputFailure(err, name, line, maxExpandedBytes);
    // The input failed, not ClickHouse: the rows read before the damage are loaded, as with NDJSON.
    if (failure !== err) await writer.flush();
    throw failure;
  }
  await writer.flush();
}

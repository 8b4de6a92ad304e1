/**
 * Streams a flow CSV into net_samples through a column mapping (mapping.ts): one row per flow, packets and
 * bytes from the flow's totals. A short row (a file cut off mid-line), a malformed one or a value that is not
 * what its column needs is rejected with its line number; its neighbours load. Idempotent like the NDJSON
 * loader (batches.ts).
 */
import type { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { startLoad, type IngestSummary, type LoadOptions } from './batches.js';
import { compileMapping, type Mapping } from './mapping.js';
import { RowError } from './values.js';

export interface CsvIngestOptions extends LoadOptions {
  mapping: Mapping;
}

export async function ingestCsv(target: ClickHouseTarget, name: string, input: Readable, opts: CsvIngestOptions, summary: IngestSummary): Promise<void> {
  const { writer, reject } = startLoad(target, 'net_samples', ['csv', opts.accountId, opts.zoneId], name, opts, summary);
  const parser = input.pipe(
    parse({
      info: true,
      // A short row must reach us to be rejected by number, rather than the parser aborting the file; so must
      // a row with broken quoting.
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err: CsvError | undefined) => {
        summary.read++;
        reject(typeof err?.lines === 'number' ? err.lines : -1, `unparseable CSV (${err?.message ?? 'unknown error'})`, '');
        return undefined;
      },
    }),
  );
  let header: string[] | null = null;
  let build: ((record: string[]) => Record<string, string | number>) | null = null;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (!header) {
      header = record;
      build = compileMapping(opts.mapping, header, name);
      continue;
    }
    summary.read++;
    try {
      if (record.length !== header.length) throw new RowError(`expected ${header.length} columns, found ${record.length} (a cut-off or malformed row)`);
      await writer.add({ ...build!(record), AccountID: opts.accountId, ZoneID: opts.zoneId, _Source: 'csv' }, record.join('\u001f'));
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
      reject(info.lines, err.message, record.join(','));
    }
  }
  await writer.flush();
}

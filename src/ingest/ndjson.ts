/**
 * Streams Logpush NDJSON (plain or gzip, files or stdin) into ClickHouse in batches, with memory flat
 * whatever the file size. A bad line never costs a good one: it goes to the reject list with its line
 * number and reason, and the batch goes on. Loading is idempotent (see batches.ts).
 */
import readline from 'node:readline';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { mapRecord, type Dataset } from './datasets.js';
import { RowError } from './values.js';
import { startLoad, type LoadOptions, type IngestSummary } from './batches.js';

export interface IngestOptions extends LoadOptions {
  dataset: Dataset;
}

/** The input's bytes, decompressed if they start with the gzip magic bytes (so `.gz` and plain files, and stdin, all work). */
async function* decoded(input: Readable): AsyncGenerator<Buffer> {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first = await chunks.next();
  if (first.done) return;
  const head = Buffer.from(first.value);
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield Buffer.from(next.value);
  }
  if (head[0] === 0x1f && head[1] === 0x8b) yield* Readable.from(all()).pipe(zlib.createGunzip());
  else yield* all();
}

export async function ingestNdjson(target: ClickHouseTarget, name: string, input: Readable, opts: IngestOptions, summary: IngestSummary): Promise<void> {
  const { writer, reject } = startLoad(target, opts.dataset.table, `${opts.dataset.name}:${opts.accountId}:${opts.zoneId}`, name, opts, summary);
  let lineNo = 0;
  try {
    const lines = readline.createInterface({ input: Readable.from(decoded(input)), crlfDelay: Infinity });
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      summary.read++;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch (err) {
        reject(lineNo, `not JSON (${err instanceof Error ? err.message : String(err)})`, line);
        continue;
      }
      try {
        const { row, ignored, skipped } = mapRecord(opts.dataset, record);
        for (const f of ignored) summary.ignoredFields[f] = (summary.ignoredFields[f] ?? 0) + 1;
        if (skipped) {
          summary.skipped = { ...summary.skipped, [skipped]: (summary.skipped?.[skipped] ?? 0) + 1 };
          continue;
        }
        await writer.add({ ...row, AccountID: opts.accountId, ZoneID: opts.zoneId, _Source: `logpush:${opts.dataset.name}` }, line);
      } catch (err) {
        if (!(err instanceof RowError)) throw err;
        reject(lineNo, err.message, line);
      }
    }
  } catch (err) {
    // A truncated gzip stream or an unreadable file: what was read so far is kept, and the rest is reported.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR' || /unexpected end of file/i.test(String(err))) {
      reject(lineNo + 1, `the file is cut off or corrupt after line ${lineNo} (${err instanceof Error ? err.message : String(err)})`, '');
    } else {
      throw err;
    }
  }
  await writer.flush();
}

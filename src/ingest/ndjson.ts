/**
 * Streams Logpush NDJSON (plain or gzip, files or stdin) into ClickHouse, with memory bounded by the chunk
 * size whatever the file size. Node only decompresses and cuts the input into chunks of whole lines;
 * ClickHouse parses and converts each chunk (convert-sql.ts) into a temporary table, from which the valid
 * rows are inserted with a deduplication token made from the chunk's bytes (so a second load inserts
 * nothing, see batches.ts), and the rejects, skips and ignored fields are read back. A bad line never costs
 * a good one: it is listed with its line number and reason, and its neighbours load.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { ClickHouseTarget } from '../clickhouse/client.js';
import { loadQuery, runSql, selectRows } from '../clickhouse/queries.js';
import { RuntimeFailure, UsageError, errorMessage } from '../errors.js';
import type { Dataset } from './datasets.js';
import { conversionSelect, loadedColumns, type LineSource } from './convert-sql.js';
import { chunkFiles, type LineChunk } from './chunks.js';
import { DEFAULT_BATCH_ROWS, dedupSettings, inputFailure, insertRepeated, noteInserted, noteTimeSpan, oversizedReason, type IngestSummary, type LoadOptions, type Reject } from './batches.js';
import { boundLines, decoded, DEFAULT_MAX_EXPANDED_BYTES, DEFAULT_MAX_LINE_BYTES, type OversizedLine } from './lines.js';
import { datasetMismatch } from './detect.js';
import { makeIngestDir, removeIngestDir } from './temp.js';

export interface IngestOptions extends LoadOptions {
  dataset: Dataset;
  /**
   * How a chunk reaches ClickHouse: the embedded engine reads a chunk file (fast, no copy through a query);
   * a server gets the lines uploaded into a temporary table. Defaults by backend; tests set it to check both.
   */
  staging?: 'file' | 'upload';
  /** Whether the first lines' field names are checked against the dataset (detect.ts); default true. */
  checkDataset?: boolean;
}

/** Lines of an input's start checked against the dataset. */
const SAMPLE_LINES = 200;

/** One load's statements, all in one session (a server keeps temporary tables per session). */
class Session {
  private readonly id = crypto.randomUUID();
  constructor(readonly target: ClickHouseTarget) {}

  run(label: string, sql: string, params: Record<string, unknown> = {}, settings: Record<string, string | number> = {}): Promise<void> {
    return runSql(this.target, sql, params, label, { sessionId: this.id, settings });
  }

  rows<T>(name: string, params: Record<string, unknown> = {}): Promise<T[]> {
    return selectRows<T>(this.target, name, params, { sessionId: this.id });
  }

  async upload(chunk: LineChunk): Promise<void> {
    const lines = (await fs.promises.readFile(chunk.file, 'utf8')).split('\n');
    if (lines.at(-1) === '') lines.pop();
    // TabSeparated escaping of the raw line: backslash, tab and carriage return are the characters it gives meaning to.
    const body = lines.map((l, i) => `${chunk.firstLine + i}\t${l.replace(/[\\\t\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : '\\r'))}\n`).join('');
    try {
      await this.target.client.insert({ table: 'ingest_lines', values: Readable.from([Buffer.from(body)], { objectMode: false }), format: 'TabSeparated', session_id: this.id });
    } catch (err) {
      throw new RuntimeFailure(`ingest: uploading lines ${chunk.firstLine}-${chunk.firstLine + chunk.lines - 1} failed on ${this.target.description}: ${errorMessage(err)}`, { cause: err });
    }
  }
}

/**
 * Small blocks keep the parsed JSON of only a few thousand lines in memory at once (a third less peak memory
 * than the default 65,409, at no cost in speed); pread keeps the chunk file out of the process's mapped memory.
 */
const CONVERT_SETTINGS = { max_block_size: 8192, storage_file_read_method: 'pread' } as const;

/**
 * The chunk's rows go in as one block, whatever their size, so that the token names exactly these rows: were
 * they split, the split could differ between two loads of the same file. The rollups' views run side by side.
 */
const INSERT_SETTINGS = (parts: string[]) => ({
  ...dedupSettings(parts),
  min_insert_block_size_rows: 1e15,
  min_insert_block_size_bytes: 1e15,
  parallel_view_processing: 1,
});

/** Rows per page of staged_rejects.sql. */
const REJECT_PAGE = 10_000;

export async function ingestNdjson(target: ClickHouseTarget, name: string, input: Readable, opts: IngestOptions, summary: IngestSummary): Promise<void> {
  const ds = opts.dataset;
  const session = new Session(target);
  const staging = opts.staging ?? (target.embedded ? 'file' : 'upload');
  const source: LineSource = staging === 'file'
    ? { from: "file({path:String}, 'LineAsString', 'raw String')", line: '_row_number + {first:UInt64}' }
    : { from: 'ingest_lines', line: 'line' };
  const types = Object.fromEntries((await session.rows<{ name: string; type: string }>('ingest/table_columns', { database: target.database, table: ds.table })).map((c) => [c.name, c.type]));
  const convert = `CREATE TEMPORARY TABLE ingest_staged ENGINE = Memory AS ${conversionSelect(ds, source, types)}`;
  const columns = loadedColumns(ds).join(', ');
  const insert = `INSERT INTO {db:Identifier}.${ds.table} (${columns}) SELECT ${columns} FROM ingest_staged WHERE reason = '' AND skip = ''`;
  const scope = [ds.name, opts.accountId, opts.zoneId];
  const params = { account: opts.accountId, zone: opts.zoneId, source: `logpush:${ds.name}` };
  if (staging === 'upload') await session.run('creating the staging table', loadQuery('ingest/lines_create'));

  const reject = (line: number, reason: string, text: string) => {
    summary.rejected++;
    opts.onReject?.({ file: name, line, reason, text } satisfies Reject);
  };
  // Lines over the length bound, reported by the line guard ahead of the chunk they fall in.
  const oversized: OversizedLine[] = [];
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  /** Rejects the over-long lines numbered below `line`, so the reject list stays in line order. */
  const rejectOversized = (line: number) => {
    while (oversized.length && oversized[0]!.line < line) {
      const o = oversized.shift()!;
      summary.read++;
      reject(o.line, oversizedReason(o, maxLineBytes), o.head);
    }
  };

  const loadChunk = async (chunk: LineChunk) => {
    const lastLine = chunk.firstLine + chunk.lines - 1;
    // Over-long lines were handed to the chunker as blank lines: they are counted as rejects, not blanks.
    summary.blank += chunk.blank - oversized.filter((o) => o.line <= lastLine).length;
    if (chunk.records === 0) {
      rejectOversized(lastLine + 1);
      opts.onProgress?.(summary.read, chunk.inputBytes);
      return;
    }
    if (staging === 'upload') {
      await session.run('emptying the staging table', loadQuery('ingest/lines_truncate'));
      await session.upload(chunk);
    }
    const span = `lines ${chunk.firstLine}-${lastLine}`;
    await session.run('dropping the previous chunk', loadQuery('ingest/staged_drop'));
    // _row_number counts from 0: the chunk's first line is number firstLine.
    await session.run(`converting ${span}`, convert, staging === 'file' ? { ...params, path: chunk.file, first: chunk.firstLine } : params, CONVERT_SETTINGS);
    // One row: an aggregate without GROUP BY.
    const [counts] = await session.rows<{ read: string; rejected: string; loaded: string; first: string; last: string; ignored: [string[], string[]] }>('ingest/staged_counts');
    const [read, rejected, loaded] = [counts!.read, counts!.rejected, counts!.loaded].map(Number) as [number, number, number];
    if (loaded > 0) {
      const repeated = await insertRepeated(target, () => session.run(`inserting ${span}`, insert, {}, INSERT_SETTINGS([...scope, chunk.sha256])));
      noteInserted(summary, loaded, repeated);
      noteTimeSpan(summary, Number(counts!.first), Number(counts!.last));
    }
    summary.read += read;
    if (read - rejected > loaded) {
      for (const r of await session.rows<{ skip: string; n: string }>('ingest/staged_skipped')) {
        summary.skipped = { ...summary.skipped, [r.skip]: (summary.skipped?.[r.skip] ?? 0) + Number(r.n) };
      }
    }
    for (let after = 0, more = rejected > 0; more; ) {
      const page = await session.rows<{ line: string; reason: string; text: string }>('ingest/staged_rejects', { after });
      for (const r of page) {
        rejectOversized(Number(r.line));
        reject(Number(r.line), r.reason, r.text);
      }
      more = page.length === REJECT_PAGE;
      after = Number(page.at(-1)?.line ?? after);
    }
    rejectOversized(lastLine + 1);
    const [fields, lines] = counts!.ignored;
    fields.forEach((field, i) => summary.ignoredFields.set(field, (summary.ignoredFields.get(field) ?? 0) + Number(lines[i])));
    opts.onProgress?.(summary.read, chunk.inputBytes);
  };

  const dir = makeIngestDir();
  let lastLine = 0;
  const consumed = { bytes: 0 };
  const lines = boundLines(decoded(input, consumed, opts.maxExpandedBytes ?? DEFAULT_MAX_EXPANDED_BYTES), maxLineBytes, (o) => oversized.push(o));
  const chunks = chunkFiles(lines, opts.batchRows ?? DEFAULT_BATCH_ROWS, dir, { consumed, sampleLines: SAMPLE_LINES })[Symbol.asyncIterator]();
  try {
    // The next chunk is read, decompressed and written while ClickHouse works on this one.
    let next = chunks.next();
    for (;;) {
      const current = await next;
      if (current.done) break;
      const chunk = current.value;
      if (chunk.sample && opts.checkDataset !== false) {
        const problem = datasetMismatch(chunk.sample, ds);
        if (problem) throw new UsageError(`${name} ${problem}`);
      }
      next = chunks.next();
      next.catch(() => undefined); // awaited on the next turn; this only keeps an early failure from being unhandled
      await loadChunk(chunk);
      lastLine = chunk.firstLine + chunk.lines - 1;
    }
  } catch (err) {
    // Every line before the damage was loaded above; the input is a failure all the same.
    throw inputFailure(err, name, lastLine, opts.maxExpandedBytes ?? DEFAULT_MAX_EXPANDED_BYTES);
  } finally {
    await chunks.return(undefined).catch(() => undefined);
    removeIngestDir(dir);
    await session.run('dropping the staging tables', loadQuery('ingest/staged_drop')).catch(() => undefined);
  }
}

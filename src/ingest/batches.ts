/**
 * What the loaders share. Rows go to ClickHouse in batches, each INSERT carrying a deduplication token made
 * from the batch's own input (its lines, and where they go), so loading the same input again inserts nothing,
 * in the table or in the rollups fed from it. The token is a hash of those parts, never the parts themselves:
 * it travels as a setting, and a setting is text an adapter may write into SQL (the embedded engine's does). The table's `non_replicated_deduplication_window` (1000 blocks)
 * bounds how far back a repeat is recognised: 1000 inserts, 250 million NDJSON lines or 50 million CSV rows
 * at the default sizes. BatchWriter is the CSV loader's; NDJSON chunks are inserted by ndjson.ts.
 */
import crypto from 'node:crypto';
import type { ClickHouseTarget } from '../clickhouse/client.js';

export class BatchWriter {
  private rows: Record<string, unknown>[] = [];
  private hash = crypto.createHash('sha256');
  inserted = 0;

  constructor(
    private readonly target: ClickHouseTarget,
    private readonly table: string,
    /** Where the rows go (dataset, account, zone): the same lines for another tenant are not duplicates. */
    private readonly scope: readonly string[],
    private readonly batchRows: number,
    private readonly onFlush?: () => void,
  ) {}

  /** Adds a row; `source` is the input it came from (the line), which identifies the batch. */
  async add(row: Record<string, unknown>, source: string): Promise<void> {
    this.rows.push(row);
    this.hash.update(source).update('\n');
    if (this.rows.length >= this.batchRows) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    await this.target.client.insert({
      table: `${this.target.database}.${this.table}`,
      format: 'JSONEachRow',
      values: this.rows,
      clickhouse_settings: dedupSettings([...this.scope, this.hash.digest('hex')]),
    });
    this.inserted += this.rows.length;
    this.rows = [];
    this.hash = crypto.createHash('sha256');
    this.onFlush?.();
  }
}

/** The deduplication token of a batch identified by `parts`: SHA-256 hex of them, so only [0-9a-f] reaches the setting. */
export function dedupToken(parts: readonly string[]): string {
  return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * An INSERT's settings for deduplication of the batch identified by `parts` (what it loads and where), in the
 * table and in every rollup fed from it. The token names one block: an INSERT must stay one block (under
 * min_insert_block_size_rows, about a million rows).
 */
export function dedupSettings(parts: readonly string[]) {
  return { insert_deduplicate: 1, insert_deduplication_token: dedupToken(parts), deduplicate_blocks_in_dependent_materialized_views: 1 } as const;
}

/** Lines per INSERT of NDJSON, converted in ClickHouse: large enough to keep parts few, small enough to keep memory low. */
export const DEFAULT_BATCH_ROWS = 250_000;
/** Rows per INSERT of CSV, built as objects in Node. */
export const DEFAULT_CSV_BATCH_ROWS = 50_000;

/** What every loader takes besides its input and format. */
export interface LoadOptions {
  accountId: string;
  zoneId: string;
  /** Rows per INSERT. */
  batchRows?: number;
  /** Called with each rejected line. */
  onReject?: (reject: Reject) => void;
  /** Called after each batch with the lines read so far and, where known, the input bytes they came from. */
  onProgress?: (linesRead: number, inputBytes?: number) => void;
}

export interface Reject {
  file: string;
  line: number;
  reason: string;
  /** The start of the line, for a person to look at. */
  text: string;
}

export interface IngestSummary {
  /** Non-empty lines read. */
  read: number;
  /** Rows sent in INSERTs (a batch already loaded before is sent and then dropped by ClickHouse as a duplicate). */
  inserted: number;
  rejected: number;
  /** Fields present in the data that no column keeps, with the number of lines carrying each. */
  ignoredFields: Record<string, number>;
  /** Valid lines not loaded, by reason (e.g. requests no security product acted on). */
  skipped?: Record<string, number>;
}

/** The batch writer and the reject recorder of one input, both keeping `summary` (shared across inputs) up to date. */
export function startLoad(target: ClickHouseTarget, table: string, scope: readonly string[], name: string, opts: LoadOptions, summary: IngestSummary) {
  const insertedBefore = summary.inserted;
  const writer: BatchWriter = new BatchWriter(target, table, scope, opts.batchRows ?? DEFAULT_CSV_BATCH_ROWS, () => {
    summary.inserted = insertedBefore + writer.inserted;
    opts.onProgress?.(summary.read);
  });
  const reject = (line: number, reason: string, text: string) => {
    summary.rejected++;
    opts.onReject?.({ file: name, line, reason, text: text.slice(0, 500) });
  };
  return { writer, reject };
}

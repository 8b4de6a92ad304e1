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
import { selectRows } from '../clickhouse/queries.js';
import { RuntimeFailure } from '../errors.js';
import { DamagedInput, InputTooLarge, type OversizedLine } from './lines.js';

export class BatchWriter {
  private rows: Record<string, unknown>[] = [];
  private hash = crypto.createHash('sha256');
  inserted = 0;
  /** Of `inserted`, rows ClickHouse dropped as repeats of an earlier load. */
  alreadyLoaded = 0;
  /** Whether some INSERT could not be told a repeat or not (see countDuplicatedBlocks). */
  repeatsUnknown = false;

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
    const repeated = await insertRepeated(this.target, () => this.target.client.insert({
      table: `${this.target.database}.${this.table}`,
      format: 'JSONEachRow',
      values: this.rows,
      clickhouse_settings: dedupSettings([...this.scope, this.hash.digest('hex')]),
    }));
    if (repeated) this.alreadyLoaded += this.rows.length;
    if (repeated === null) this.repeatsUnknown = true;
    this.inserted += this.rows.length;
    this.rows = [];
    this.hash = crypto.createHash('sha256');
    this.onFlush?.();
  }
}

/**
 * Blocks ClickHouse has dropped as repeats since it started (system.events). An INSERT after which it rose was
 * a repeat: its rows were already loaded. One tiny query, where counting the tenant's rows before and after
 * would read the table. The embedded engine runs one statement at a time, so the rise is this INSERT's; on a
 * shared server, another client's repeated INSERT at the same moment would count this one as a repeat too. On a
 * cluster the count is the sum over every server: a repeated INSERT is dropped by each shard that got rows of it.
 */
export async function countDuplicatedBlocks(target: ClickHouseTarget): Promise<number | null> {
  try {
    // On a cluster the shards that store the rows recognise the repeats, each in its own counters.
    const [row] = target.cluster
      ? await selectRows<{ n: string }>(target, 'ingest/duplicated_blocks_cluster', { cluster: target.cluster.name })
      : await selectRows<{ n: string }>(target, 'ingest/duplicated_blocks');
    return Number(row?.n ?? 0);
  } catch {
    // A server user without access to system.events: the load goes on, and the summary says it cannot tell.
    return null;
  }
}

/** Runs `insert` and says whether ClickHouse dropped its rows as a repeat of an earlier load; null when it cannot tell. */
export async function insertRepeated(target: ClickHouseTarget, insert: () => Promise<unknown>): Promise<boolean | null> {
  const before = await countDuplicatedBlocks(target);
  await insert();
  const after = before === null ? null : await countDuplicatedBlocks(target);
  return before === null || after === null ? null : after > before;
}

/** Counts `rows` inserted, as repeats or not by `repeated`. */
export function noteInserted(summary: IngestSummary, rows: number, repeated: boolean | null): void {
  summary.inserted += rows;
  if (repeated) summary.alreadyLoaded += rows;
  if (repeated === null) summary.repeatsUnknown = true;
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
  /** Longest line, in bytes; longer ones are rejected by number without being held (lines.ts). */
  maxLineBytes?: number;
  /** Largest input, decompressed, in bytes; past it the load stops with a failure naming the input. */
  maxExpandedBytes?: number;
}

export interface Reject {
  file: string;
  line: number;
  reason: string;
  /** The start of the line, for a person to look at. */
  text: string;
}

/** What a load did. Every non-blank line read is inserted, rejected or skipped: read = inserted + rejected + skipped. */
export interface IngestSummary {
  /** Non-blank lines read (CSV: rows after the header). */
  read: number;
  /** Rows sent in INSERTs, new or not. */
  inserted: number;
  /** Of `inserted`, rows ClickHouse dropped as repeats of an earlier load of the same lines (see countDuplicatedBlocks). */
  alreadyLoaded: number;
  rejected: number;
  /** Empty or whitespace-only lines, not counted as read. */
  blank: number;
  /** Fields present in the data that no column keeps, with the number of lines carrying each (a Map: names are the data's). */
  ignoredFields: Map<string, number>;
  /** Valid lines not loaded, by reason (e.g. requests no security product acted on). */
  skipped?: Record<string, number>;
  /** Set when whether an INSERT was a repeat could not be told (no access to system.events): alreadyLoaded is then a lower bound. */
  repeatsUnknown?: boolean;
  /** Earliest and latest event time of the inserted rows, unix milliseconds. */
  firstEvent?: number;
  lastEvent?: number;
}

export function newSummary(): IngestSummary {
  return { read: 0, inserted: 0, alreadyLoaded: 0, rejected: 0, blank: 0, ignoredFields: new Map() };
}

/** Widens the summary's time span to take in [first, last] (unix milliseconds). */
export function noteTimeSpan(summary: IngestSummary, first: number, last: number): void {
  if (!Number.isFinite(first) || !Number.isFinite(last)) return;
  summary.firstEvent = Math.min(summary.firstEvent ?? first, first);
  summary.lastEvent = Math.max(summary.lastEvent ?? last, last);
}

export const skippedCount = (summary: IngestSummary): number => Object.values(summary.skipped ?? {}).reduce((a, b) => a + b, 0);

const MIB = 2 ** 20;
/** Bytes as the flags take them: "1 MiB", "64 GiB", or a byte count. */
export const formatByteLimit = (n: number): string =>
  n % (1024 * MIB) === 0 ? `${n / (1024 * MIB)} GiB` : n % MIB === 0 ? `${n / MIB} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;

export function oversizedReason(o: OversizedLine, max: number): string {
  return `the line is ${o.bytes} bytes long, longer than --max-line-bytes ${formatByteLimit(max)}; its bytes were skipped`;
}

/**
 * What a failure of the input itself (not of ClickHouse) means to the user: the input named, where it stopped,
 * and that the lines before were loaded. Other errors pass through as they are.
 */
export function inputFailure(err: unknown, name: string, lastLine: number, maxExpandedBytes: number): unknown {
  if (err instanceof DamagedInput) {
    return new RuntimeFailure(`${name} is cut off or corrupt: decompression stopped at byte ${err.compressedOffset} of the compressed input, after line ${lastLine} (${err.message}); the lines before it were loaded`, { cause: err });
  }
  if (err instanceof InputTooLarge) {
    return new RuntimeFailure(`${name} expands to more than --max-expanded-bytes ${formatByteLimit(maxExpandedBytes)}; stopped after line ${lastLine} (the lines before it were loaded). Raise --max-expanded-bytes if the input is genuine`, { cause: err });
  }
  return err;
}

/** The batch writer and the reject recorder of one input, both keeping `summary` (shared across inputs) up to date. */
export function startLoad(target: ClickHouseTarget, table: string, scope: readonly string[], name: string, opts: LoadOptions, summary: IngestSummary) {
  const [insertedBefore, repeatsBefore] = [summary.inserted, summary.alreadyLoaded];
  const writer: BatchWriter = new BatchWriter(target, table, scope, opts.batchRows ?? DEFAULT_CSV_BATCH_ROWS, () => {
    summary.inserted = insertedBefore + writer.inserted;
    summary.alreadyLoaded = repeatsBefore + writer.alreadyLoaded;
    if (writer.repeatsUnknown) summary.repeatsUnknown = true;
    opts.onProgress?.(summary.read);
  });
  const reject = (line: number, reason: string, text: string) => {
    summary.rejected++;
    opts.onReject?.({ file: name, line, reason, text: text.slice(0, 500) });
  };
  return { writer, reject };
}

/**
 * Rows to ClickHouse in batches, each INSERT carrying a deduplication token made from the batch's own input
 * (its lines, and where they go), so loading the same input again inserts nothing, in the table or in the
 * rollups fed from it. The table's `non_replicated_deduplication_window` (1000 blocks) bounds how far back a
 * repeat is recognised: 1000 batches, 50 million rows at the default batch size.
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
    private readonly scope: string,
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
    const token = `${this.scope}:${this.hash.digest('hex')}`;
    await this.target.client.insert({
      table: `${this.target.database}.${this.table}`,
      format: 'JSONEachRow',
      values: this.rows,
      clickhouse_settings: { insert_deduplicate: 1, insert_deduplication_token: token, deduplicate_blocks_in_dependent_materialized_views: 1 },
    });
    this.inserted += this.rows.length;
    this.rows = [];
    this.hash = crypto.createHash('sha256');
    this.onFlush?.();
  }
}

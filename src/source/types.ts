/**
 * A source definition: how a provider's own ClickHouse table stands for this product's raw tables (issue 15).
 * Its fields are the product's raw column names (queries/schema/010_net_samples.sql, 011_l7_events.sql): each
 * is an SQL expression over the provider's table, or null when the source does not have it (the report then
 * leaves out what depends on it, and says so). The expressions are operator-written SQL, checked by
 * `source check`, never data.
 */
export type SourceLayer = 'l34' | 'l7';

/** How the product's rollups are fed from the source: a materialized view on the provider's table, or periodic inserts (no trigger on it). */
export type FeedMode = 'materialized-view' | 'periodic';

export interface LayerSource {
  /**
   * `database.table` of the provider's table, or a table function (`remote(...)`, `s3(...)`) when `tableFunction`
   * is true; there, `${NAME}` stands for an environment variable's value (secrets.ts), kept unexpanded here.
   */
  table: string;
  tableFunction?: boolean;
  /**
   * On a cluster: `database.table` of the shard's own table, on every server, that `table` (a Distributed table)
   * spreads over. The source's views read it on each shard and its materialized views trigger on it.
   */
  localTable?: string;
  feed: FeedMode;
  /** Raw column name → SQL expression over the provider's table, or null when the source lacks it. */
  columns: Record<string, string | null>;
  /** An optional filter over the provider's table (e.g. only ingress rows), ANDed to every read. */
  where?: string;
}

export interface SourceDefinition {
  /** A plain identifier: names the database the source's views and rollups live in (`<database>_src_<name>`). */
  name: string;
  l34?: LayerSource;
  l7?: LayerSource;
}

-- The ledger of a source's backfill: one row per (layer, feeder, time chunk) whose INSERT ... SELECT into the
-- rollups completed, written after that INSERT, so a resumed backfill skips it. Returns nothing.
CREATE TABLE IF NOT EXISTS {db:Identifier}.source_sync_chunks
(
    Layer    LowCardinality(String),
    Feeder   LowCardinality(String),
    FromMs   Int64,
    ToMs     Int64,
    DoneAt   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(DoneAt)
ORDER BY (Layer, Feeder, FromMs, ToMs)

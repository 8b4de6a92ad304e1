-- The ledger of a source's sync: one row per (layer, feeder, time range) and state. `started` is written
-- before the range's INSERT ... SELECT into the rollups and `done` after it, with the number of provider rows
-- the range held when it was read (Rows), so a resumed sync repeats an unfinished INSERT with the same bounds
-- (and deduplication token) and skips a finished one, and rows arriving later in a finished range are found.
-- Returns nothing.
CREATE TABLE IF NOT EXISTS {db:Identifier}.source_sync_chunks
(
    Layer    LowCardinality(String),
    Feeder   LowCardinality(String),
    FromMs   Int64,
    ToMs     Int64,
    State    LowCardinality(String) DEFAULT 'done',
    Rows     Nullable(UInt64),
    DoneAt   DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(DoneAt)
ORDER BY (Layer, Feeder, FromMs, ToMs, State)

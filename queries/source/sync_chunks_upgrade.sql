-- Gives a sync ledger made by an earlier version (every row a finished range, row counts unknown) the columns
-- of sync_chunks.sql. Returns nothing.
ALTER TABLE {db:Identifier}.source_sync_chunks
    ADD COLUMN IF NOT EXISTS State LowCardinality(String) DEFAULT 'done' AFTER ToMs,
    ADD COLUMN IF NOT EXISTS Rows Nullable(UInt64) AFTER State

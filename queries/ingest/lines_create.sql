-- The session's staging table for lines uploaded to a ClickHouse server (the embedded engine reads a chunk
-- file instead): line number and raw line. Returns nothing.
CREATE TEMPORARY TABLE IF NOT EXISTS ingest_lines (line UInt64, raw String) ENGINE = Memory

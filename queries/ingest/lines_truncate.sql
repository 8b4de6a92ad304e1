-- Empties the session's staging table of uploaded lines before the next chunk. Returns nothing.
TRUNCATE TABLE ingest_lines

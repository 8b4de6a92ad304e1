-- Drops the previous chunk's converted rows (ingest_staged is created per chunk from the conversion). Returns nothing.
DROP TEMPORARY TABLE IF EXISTS ingest_staged

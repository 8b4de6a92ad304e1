-- Per chunk: the lines that cannot be loaded, in order, with the reason and the start of the line, a page of
-- 10,000 after line {after} (a chunk of garbage would otherwise come back as one large result).
-- Rows: line (number in the input file), reason, text.
SELECT line, reason, text
FROM ingest_staged
WHERE reason != '' AND line > {after:UInt64}
ORDER BY line
LIMIT 10000

-- Per chunk: the lines that cannot be loaded, in order, with the reason and the start of the line.
-- Rows: line (number in the input file), reason, text.
SELECT line, reason, text
FROM ingest_staged
WHERE reason != ''
ORDER BY line

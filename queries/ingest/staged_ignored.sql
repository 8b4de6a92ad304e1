-- Per chunk: fields of the loaded and skipped lines that no column keeps, as the lines spell them, with the
-- number of lines carrying each. Rows: field, n.
SELECT field, count() AS n
FROM ingest_staged
ARRAY JOIN ignored AS field
WHERE reason = ''
GROUP BY field

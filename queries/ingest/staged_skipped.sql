-- Per chunk: valid lines not loaded, by the reason they are not (e.g. requests no security product acted on).
-- Rows: skip (the reason), n.
SELECT skip, count() AS n
FROM ingest_staged
WHERE reason = '' AND skip != ''
GROUP BY skip

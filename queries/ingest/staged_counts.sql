-- Per chunk, after conversion: lines read (non-blank), rejected, and loaded (neither rejected nor skipped),
-- from the session's temporary table ingest_staged. One row.
SELECT
    count() AS read,
    countIf(reason != '') AS rejected,
    countIf(reason = '' AND skip = '') AS loaded
FROM ingest_staged

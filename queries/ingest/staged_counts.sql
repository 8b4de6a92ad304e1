-- Per chunk, after conversion, from the session's temporary table ingest_staged, in one pass: lines read
-- (non-blank), rejected, and loaded (neither rejected nor skipped), and the fields of the loaded and skipped
-- lines that no column keeps, as the lines spell them, with the number of lines carrying each. One row:
-- read, rejected, loaded, ignored (field → lines).
SELECT
    count() AS read,
    countIf(reason != '') AS rejected,
    countIf(reason = '' AND skip = '') AS loaded,
    sumMapIf(ignored, arrayMap(f -> toUInt64(1), ignored), reason = '') AS ignored
FROM ingest_staged

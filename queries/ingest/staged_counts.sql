-- Per chunk, after conversion, from the session's temporary table ingest_staged, in one pass: lines read
-- (non-blank), rejected, and loaded (neither rejected nor skipped), the first and last event time of the loaded
-- lines (unix milliseconds; meaningless when none is loaded), and the fields of the loaded and skipped lines that
-- no column keeps, as the lines spell them, with the number of lines carrying each. One row: read, rejected,
-- loaded, first, last, ignored (field → lines).
SELECT
    count() AS read,
    countIf(reason != '') AS rejected,
    countIf(reason = '' AND skip = '') AS loaded,
    toString(toUnixTimestamp64Milli(minIf(Datetime, reason = '' AND skip = ''))) AS first,
    toString(toUnixTimestamp64Milli(maxIf(Datetime, reason = '' AND skip = ''))) AS last,
    sumMapIf(ignored, arrayMap(f -> toUInt64(1), ignored), reason = '') AS ignored
FROM ingest_staged

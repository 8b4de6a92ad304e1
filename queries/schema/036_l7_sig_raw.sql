-- The one definition of an l7_sig_1h row, unaggregated: every l7_events row turned into one row per request
-- field (see 036_l7_sig_1h). The backfill and the partial-hour edges of the signature query read it; the
-- materialized view 038 restates it. Returns nothing.
CREATE VIEW IF NOT EXISTS {db:Identifier}.l7_sig_raw AS
SELECT
    AccountID, ZoneID, Datetime, AttackVector, AttackID,
    CAST(Action IN ('log', 'allow', 'skip', '') AS UInt8) AS Passed,
    d.1 AS Dimension, d.2 AS Value,
    toUInt64(SampleInterval) AS Events
FROM {db:Identifier}.l7_events
ARRAY JOIN [
    ('method',    toString(ClientRequestMethod)),
    ('host',      toString(ClientRequestHost)),
    ('path',      ClientRequestPath),
    ('userAgent', ClientRequestUserAgent),
    ('ja3',       toString(JA3Hash)),
    ('ja4',       toString(JA4)),
    ('status',    toString(EdgeResponseStatus)),
    ('country',   toString(ClientCountry)),
    ('asn',       toString(ClientASN)),
    ('all',       '')
] AS d

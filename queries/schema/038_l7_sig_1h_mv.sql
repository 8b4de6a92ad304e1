-- Feeds l7_sig_1h from every insert into l7_events, with the expressions of the view l7_sig_raw (036); a test
-- checks that the rollup and the view agree. Returns nothing.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.l7_sig_1h_mv TO {db:Identifier}.l7_sig_1h AS
SELECT
    AccountID, ZoneID, toStartOfHour(Datetime) AS Hour, AttackVector, AttackID,
    CAST(Action IN ('log', 'allow', 'skip', '') AS UInt8) AS Passed,
    d.1 AS Dimension, d.2 AS Value,
    sum(toUInt64(SampleInterval)) AS Events
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
GROUP BY AccountID, ZoneID, Hour, AttackVector, AttackID, Passed, Dimension, Value

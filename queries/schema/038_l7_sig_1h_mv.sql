-- Feeds l7_sig_1h from every insert into l7_events, with the expressions of the view l7_sig_raw (036); a test
-- checks that the rollup and the view agree. Events are grouped on their native columns before being unfolded
-- into one row per field: requests repeat the same method, host, path and fingerprints, so unfolding the groups
-- rather than the events keeps the insert path cheap. Returns nothing.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.l7_sig_1h_mv TO {db:Identifier}.l7_sig_1h AS
SELECT
    AccountID, ZoneID, Hour, AttackVector, AttackID, Passed,
    d.1 AS Dimension, d.2 AS Value,
    sum(e) AS Events
FROM
(
    SELECT
        AccountID, ZoneID, toStartOfHour(Datetime) AS Hour, AttackVector, AttackID,
        CAST(Action IN ('log', 'allow', 'skip', '') AS UInt8) AS Passed,
        ClientRequestMethod, ClientRequestHost, ClientRequestPath, ClientRequestUserAgent, JA3Hash, JA4,
        EdgeResponseStatus, ClientCountry, ClientASN,
        sum(toUInt64(SampleInterval)) AS e
    FROM {db:Identifier}.l7_events
    GROUP BY AccountID, ZoneID, Hour, AttackVector, AttackID, Passed, ClientRequestMethod, ClientRequestHost, ClientRequestPath,
             ClientRequestUserAgent, JA3Hash, JA4, EdgeResponseStatus, ClientCountry, ClientASN
)
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

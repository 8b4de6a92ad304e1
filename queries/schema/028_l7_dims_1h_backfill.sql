-- Fills l7_dims_1h from events loaded before the rollup existed (runs once, before its views are created, so
-- no row is counted twice). Returns nothing.
INSERT INTO {db:Identifier}.l7_dims_1h
SELECT
    AccountID, ZoneID,
    toStartOfHour(Datetime) AS Hour,
    AttackID,
    d.1 AS Dimension, d.2 AS Value, d.3 AS Label,
    sum(toUInt64(SampleInterval)) AS Events
FROM {db:Identifier}.l7_events
ARRAY JOIN [
    ('host',    toString(ClientRequestHost),   ''),
    ('path',    ClientRequestPath,             ''),
    ('country', toString(ClientCountry),       ''),
    ('asn',     toString(ClientASN),           toString(ClientASNDescription)),
    ('ip',      IPv6NumToString(ClientIP),     '')
] AS d
WHERE Action NOT IN ('log', 'allow', 'skip', '')
GROUP BY AccountID, ZoneID, Hour, AttackID, Dimension, Value, Label

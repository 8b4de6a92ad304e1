-- Feeds net_src_1h from every insert into net_samples, with the expressions of the view net_src_raw (045).
-- Samples are grouped on the native columns before being unfolded into one row per field, which keeps the insert
-- path cheap. Returns nothing.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.net_src_1h_mv TO {db:Identifier}.net_src_1h AS
SELECT
    AccountID, ZoneID, Hour, AttackVector, AttackID,
    d.1 AS Dimension, d.2 AS Value,
    sum(p) AS Packets
FROM
(
    SELECT AccountID, ZoneID, toStartOfHour(Datetime) AS Hour, AttackVector, AttackID, ColoCode, SourceCountry, SourceASN,
           sum(Packets) AS p
    FROM {db:Identifier}.net_samples
    GROUP BY AccountID, ZoneID, Hour, AttackVector, AttackID, ColoCode, SourceCountry, SourceASN
)
ARRAY JOIN [
    ('colo',    toString(ColoCode)),
    ('country', toString(SourceCountry)),
    ('asn',     toString(SourceASN))
] AS d
GROUP BY AccountID, ZoneID, Hour, AttackVector, AttackID, Dimension, Value

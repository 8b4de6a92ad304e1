-- The one definition of a net_src_1h row, unaggregated: every net_samples row turned into one row per
-- source-side field (see 045_net_src_1h). The backfill and the partial-hour edges of the signature query read
-- it; the materialized view 047 restates it. Returns nothing.
CREATE VIEW IF NOT EXISTS {db:Identifier}.net_src_raw AS
SELECT
    AccountID, ZoneID, Datetime, AttackVector, AttackID,
    d.1 AS Dimension, d.2 AS Value,
    Packets
FROM {db:Identifier}.net_samples
ARRAY JOIN [
    ('colo',    toString(ColoCode)),
    ('country', toString(SourceCountry)),
    ('asn',     toString(SourceASN))
] AS d

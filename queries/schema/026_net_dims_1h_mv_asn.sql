-- Feeds the 'asn' rows of net_dims_1h from every insert into net_samples (attack rows only). One view per
-- dimension, grouping on the native columns and turning them into strings after aggregation, so that no
-- per-row string tuples are built at insert. Returns nothing.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.net_dims_1h_mv_asn TO {db:Identifier}.net_dims_1h AS
SELECT
    AccountID, ZoneID,
    toStartOfHour(Datetime) AS Hour,
    AttackID,
    'asn' AS Dimension, toString(SourceASN) AS Value, toString(SourceASNName) AS Label,
    sum(Packets) AS Packets,
    sum(Bytes)   AS Bytes
FROM {db:Identifier}.net_samples
WHERE AttackVector != ''
GROUP BY AccountID, ZoneID, Hour, AttackID, SourceASN, SourceASNName

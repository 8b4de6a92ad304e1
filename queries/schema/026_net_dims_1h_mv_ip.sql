-- Feeds the 'ip' rows of net_dims_1h from every insert into net_samples (attack rows only). One view per
-- dimension, grouping on the native columns and turning them into strings after aggregation, so that no
-- per-row string tuples are built at insert. Returns nothing.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.net_dims_1h_mv_ip TO {db:Identifier}.net_dims_1h AS
SELECT
    AccountID, ZoneID,
    toStartOfHour(Datetime) AS Hour,
    AttackID,
    'ip' AS Dimension, IPv6NumToString(IPDestinationAddress) AS Value, '' AS Label,
    sum(Packets) AS Packets,
    sum(Bytes)   AS Bytes
FROM {db:Identifier}.net_samples
WHERE AttackVector != ''
GROUP BY AccountID, ZoneID, Hour, AttackID, IPDestinationAddress

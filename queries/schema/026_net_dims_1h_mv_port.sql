-- Feeds the 'port' rows of net_dims_1h from every insert into net_samples (attack rows only). One view per
-- dimension, grouping on the native columns and turning them into strings after aggregation, so that no
-- per-row string tuples are built at insert. Returns nothing.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.net_dims_1h_mv_port TO {db:Identifier}.net_dims_1h AS
SELECT
    AccountID, ZoneID,
    toStartOfHour(Datetime) AS Hour,
    AttackID,
    'port' AS Dimension, toString(DestinationPort) AS Value, toString(IPProtocolName) AS Label,
    sum(Packets) AS Packets,
    sum(Bytes)   AS Bytes
FROM {db:Identifier}.net_samples
WHERE AttackVector != ''
GROUP BY AccountID, ZoneID, Hour, AttackID, DestinationPort, IPProtocolName

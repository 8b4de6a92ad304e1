-- Feeds the L3/4 rows of sources_1h from every insert into net_samples (expressions as in the backfill 049).
-- Returns nothing.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.sources_1h_mv_l34 TO {db:Identifier}.sources_1h AS
SELECT AccountID, ZoneID, toStartOfHour(Datetime) AS Hour, 'L3/4' AS Layer, AttackVector, AttackID,
       uniqHLL12State(IPSourceAddress) AS Addresses,
       uniqHLL12State(if(IPv6CIDRToRange(IPSourceAddress, 96).1 = toIPv6('::ffff:0.0.0.0'), IPv6CIDRToRange(IPSourceAddress, 120).1, IPv6CIDRToRange(IPSourceAddress, 48).1)) AS Networks
FROM {db:Identifier}.net_samples
GROUP BY AccountID, ZoneID, Hour, AttackVector, AttackID

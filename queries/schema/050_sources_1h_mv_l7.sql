-- Feeds the L7 rows of sources_1h from every insert into l7_events (expressions as in the backfill 049).
-- Returns nothing.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.sources_1h_mv_l7 TO {db:Identifier}.sources_1h AS
SELECT AccountID, ZoneID, toStartOfHour(Datetime) AS Hour, 'L7' AS Layer, AttackVector, AttackID,
       uniqHLL12State(ClientIP) AS Addresses,
       uniqHLL12State(if(IPv6CIDRToRange(ClientIP, 96).1 = toIPv6('::ffff:0.0.0.0'), IPv6CIDRToRange(ClientIP, 120).1, IPv6CIDRToRange(ClientIP, 48).1)) AS Networks
FROM {db:Identifier}.l7_events
GROUP BY AccountID, ZoneID, Hour, AttackVector, AttackID

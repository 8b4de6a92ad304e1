-- Fills sources_1h from rows loaded before it existed, both layers (runs once, before its materialized views are
-- created). A network is the address with its last 8 bits (IPv4, stored mapped as ::ffff:a.b.c.d) or its last 80 bits (IPv6) cleared. Returns
-- nothing.
INSERT INTO {db:Identifier}.sources_1h
SELECT AccountID, ZoneID, toStartOfHour(Datetime) AS Hour, 'L3/4' AS Layer, AttackVector, AttackID,
       uniqHLL12State(IPSourceAddress), uniqHLL12State(if(IPv6CIDRToRange(IPSourceAddress, 96).1 = toIPv6('::ffff:0.0.0.0'), IPv6CIDRToRange(IPSourceAddress, 120).1, IPv6CIDRToRange(IPSourceAddress, 48).1))
FROM {db:Identifier}.net_samples
GROUP BY AccountID, ZoneID, Hour, AttackVector, AttackID
UNION ALL
SELECT AccountID, ZoneID, toStartOfHour(Datetime) AS Hour, 'L7' AS Layer, AttackVector, AttackID,
       uniqHLL12State(ClientIP), uniqHLL12State(if(IPv6CIDRToRange(ClientIP, 96).1 = toIPv6('::ffff:0.0.0.0'), IPv6CIDRToRange(ClientIP, 120).1, IPv6CIDRToRange(ClientIP, 48).1))
FROM {db:Identifier}.l7_events
GROUP BY AccountID, ZoneID, Hour, AttackVector, AttackID

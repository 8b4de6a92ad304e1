-- How spread the sources of each attack vector (perEpisode 0) and attack id (perEpisode 1) are, both layers, in
-- one tenant and window: distinct source addresses and distinct /24 (IPv4) or /48 (IPv6) networks,
-- uniqHLL12 estimates. Whole hours from sources_1h, the partial hours at the window's edges from the raw tables. Returns
-- (layer, vector, attackId, perEpisode, addresses, networks).
WITH
states AS
(
    SELECT Layer, AttackVector, AttackID, Addresses, Networks
    FROM {db:Identifier}.sources_1h
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Hour >= {hourFrom:DateTime64(3)} AND Hour < {hourTo:DateTime64(3)}
      AND AttackVector != ''
    UNION ALL
    SELECT 'L3/4', AttackVector, AttackID, uniqHLL12State(IPSourceAddress),
           uniqHLL12State(if(IPv6CIDRToRange(IPSourceAddress, 96).1 = toIPv6('::ffff:0.0.0.0'), IPv6CIDRToRange(IPSourceAddress, 120).1, IPv6CIDRToRange(IPSourceAddress, 48).1))
    FROM {db:Identifier}.net_samples
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND ((Datetime >= {from:DateTime64(3)} AND Datetime < {hourFrom:DateTime64(3)})
        OR (Datetime >= {hourTo:DateTime64(3)} AND Datetime < {to:DateTime64(3)}))
      AND AttackVector != ''
    GROUP BY AttackVector, AttackID
    UNION ALL
    SELECT 'L7', AttackVector, AttackID, uniqHLL12State(ClientIP),
           uniqHLL12State(if(IPv6CIDRToRange(ClientIP, 96).1 = toIPv6('::ffff:0.0.0.0'), IPv6CIDRToRange(ClientIP, 120).1, IPv6CIDRToRange(ClientIP, 48).1))
    FROM {db:Identifier}.l7_events
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND ((Datetime >= {from:DateTime64(3)} AND Datetime < {hourFrom:DateTime64(3)})
        OR (Datetime >= {hourTo:DateTime64(3)} AND Datetime < {to:DateTime64(3)}))
      AND AttackVector != ''
    GROUP BY AttackVector, AttackID
)
SELECT toString(Layer) AS layer, toString(AttackVector) AS vector, AttackID AS attackId, grouping(AttackID) = 0 AS perEpisode,
       uniqHLL12Merge(Addresses) AS addresses, uniqHLL12Merge(Networks) AS networks
FROM states
GROUP BY GROUPING SETS ((layer, vector), (layer, vector, attackId))
HAVING NOT perEpisode OR attackId != ''

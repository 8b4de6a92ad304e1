-- L3/4 traffic signatures of one tenant and window: packets per value of each rule field (protocol, tcpFlags,
-- sourcePort, destinationPort, length, ttl; see net_sig_1h for the port classes and buckets) and of each source-
-- side field (colo, country, asn; whole hours from net_src_1h, edges from net_src_raw), per attack vector
-- (perEpisode 0) and per provider attack id (perEpisode 1). Vector '' is the baseline: the tenant's traffic
-- attributed to no attack. The pseudo-field 'all' (value 0) carries each scope's total. The cube is read through
-- the view net_sig_window (daily, hourly and raw parts of the window). At most 40 values per scope and field,
-- largest first (the baseline keeps all its values). Returns (vector, attackId, perEpisode, dimension, value,
-- packets).
WITH
cube AS
(
    SELECT AttackVector, AttackID, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket, Packets
    FROM {db:Identifier}.net_sig_window(account = {account:String}, zones = {zones:Array(String)}, windowFrom = {from:DateTime64(3)},
        windowTo = {to:DateTime64(3)}, hourFrom = {hourFrom:DateTime64(3)}, hourTo = {hourTo:DateTime64(3)}, dayFrom = {dayFrom:DateTime64(3)},
        dayTo = {dayTo:DateTime64(3)})
),
-- Collapsing the hours first leaves a few thousand rows to unfold per field.
combos AS
(
    SELECT AttackVector, AttackID, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket, sum(Packets) AS Packets
    FROM cube
    GROUP BY AttackVector, AttackID, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket
),
grouped AS
(
    SELECT toString(AttackVector) AS vector, AttackID AS attackId, grouping(AttackID) = 0 AS perEpisode,
           d.1 AS dimension, d.2 AS value, sum(Packets) AS packets
    FROM combos
    ARRAY JOIN [
        ('protocol', Protocol), ('tcpFlags', TCPFlags), ('sourcePort', SourcePort), ('destinationPort', DestinationPort),
        ('length', LengthBucket), ('ttl', TTLBucket), ('all', 0)
    ] AS d
    GROUP BY GROUPING SETS ((vector, dimension, value), (vector, attackId, dimension, value))
),
sources AS
(
    SELECT AttackVector, AttackID, Dimension, Value, Packets
    FROM {db:Identifier}.net_src_1h
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Hour >= {hourFrom:DateTime64(3)} AND Hour < {hourTo:DateTime64(3)}
    UNION ALL
    SELECT AttackVector, AttackID, Dimension, Value, Packets
    FROM {db:Identifier}.net_src_raw
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND ((Datetime >= {from:DateTime64(3)} AND Datetime < {hourFrom:DateTime64(3)})
        OR (Datetime >= {hourTo:DateTime64(3)} AND Datetime < {to:DateTime64(3)}))
),
sourcesGrouped AS
(
    SELECT toString(AttackVector) AS vector, AttackID AS attackId, grouping(AttackID) = 0 AS perEpisode,
           toString(Dimension) AS dimension, Value AS value, sum(Packets) AS packets
    FROM sources
    GROUP BY GROUPING SETS ((vector, dimension, value), (vector, attackId, dimension, value))
)
SELECT vector, attackId, perEpisode, dimension, value, packets
FROM
(
    SELECT vector, attackId, perEpisode, dimension, toString(value) AS value, packets FROM grouped
    UNION ALL
    SELECT vector, attackId, perEpisode, dimension, value, packets FROM sourcesGrouped
)
WHERE NOT perEpisode OR attackId != ''
ORDER BY vector, attackId, perEpisode, dimension, packets DESC, value
-- The baseline keeps every value, so that any attack value can be looked up in it.
LIMIT 40 BY vector, attackId, perEpisode, dimension, if(vector = '', value, '')

-- L7 traffic signatures of one tenant and window: events per value of each request field (method, host, path,
-- userAgent, ja3, ja4, status, country, asn), per attack vector (perEpisode 0) and per attack id (perEpisode 1).
-- Vector '' is the baseline: the zone's security events attributed to no attack. The pseudo-field 'all' (value '')
-- carries each scope's total. Whole days come from l7_sig_1d, other whole hours from l7_sig_1h, the partial hours
-- at the window's edges from l7_sig_raw. At most 40 values per scope and field, largest first (the baseline keeps
-- all its values). Returns (vector, attackId, perEpisode, dimension, value, events).
WITH
rollup AS
(
    SELECT AttackVector, AttackID, Dimension, Value, Events
    FROM {db:Identifier}.l7_sig_1d
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Day >= toDate({dayFrom:DateTime64(3)}) AND Day < toDate({dayTo:DateTime64(3)})
    UNION ALL
    SELECT AttackVector, AttackID, Dimension, Value, Events
    FROM {db:Identifier}.l7_sig_1h
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND ((Hour >= {hourFrom:DateTime64(3)} AND Hour < {dayFrom:DateTime64(3)})
        OR (Hour >= {dayTo:DateTime64(3)} AND Hour < {hourTo:DateTime64(3)}))
    UNION ALL
    SELECT AttackVector, AttackID, Dimension, Value, Events
    FROM {db:Identifier}.l7_sig_raw
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND ((Datetime >= {from:DateTime64(3)} AND Datetime < {hourFrom:DateTime64(3)})
        OR (Datetime >= {hourTo:DateTime64(3)} AND Datetime < {to:DateTime64(3)}))
),
grouped AS
(
    SELECT toString(AttackVector) AS vector, AttackID AS attackId, grouping(AttackID) = 0 AS perEpisode,
           toString(Dimension) AS dimension, Value AS value, sum(Events) AS events
    FROM rollup
    GROUP BY GROUPING SETS ((vector, dimension, value), (vector, attackId, dimension, value))
)
SELECT vector, attackId, perEpisode, dimension, value, events
FROM grouped
WHERE NOT perEpisode OR attackId != ''
ORDER BY vector, attackId, perEpisode, dimension, events DESC, value
-- The baseline keeps every value, so that any attack value can be looked up in it.
LIMIT 40 BY vector, attackId, perEpisode, dimension, if(vector = '', value, '')

-- Minute series of one tenant and window for episode detection, from the minute rollups, per layer and vector
-- (vector '' = traffic attributed to no vector); only minutes with traffic appear. L3/4: estimated packets
-- (value), bytes and the dropped part; L7: events (value) and the mitigated part.
-- Returns (layer, vector, minute unix seconds, value, bytes, dropped, droppedBytes).
SELECT 'L3/4' AS layer, toString(AttackVector) AS vector, toUnixTimestamp(Minute) AS minute,
       sum(Packets) AS value, sum(Bytes) AS bytes, sumIf(Packets, Outcome = 'drop') AS dropped, sumIf(Bytes, Outcome = 'drop') AS droppedBytes
FROM {db:Identifier}.net_1m
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}
  AND has({layers:Array(String)}, 'L3/4')
GROUP BY AttackVector, Minute
UNION ALL
SELECT 'L7' AS layer, toString(AttackVector) AS vector, toUnixTimestamp(Minute) AS minute,
       sum(Events) AS value, toUInt64(0) AS bytes, sumIf(Events, Action NOT IN ('log', 'allow', 'skip', '')) AS dropped, toUInt64(0) AS droppedBytes
FROM {db:Identifier}.l7_1m
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}
  AND has({layers:Array(String)}, 'L7')
GROUP BY AttackVector, Minute

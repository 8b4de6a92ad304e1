-- Minute series of one tenant and window for episode detection, from the minute rollups: estimated packets per
-- minute and vector at L3/4, events per minute and vector at L7 (vector '' = traffic attributed to no vector).
-- Only minutes with traffic appear. Returns (layer, vector, minute unix seconds, value).
SELECT 'L3/4' AS layer, toString(AttackVector) AS vector, toUnixTimestamp(Minute) AS minute, sum(Packets) AS value
FROM {db:Identifier}.net_1m
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}
GROUP BY AttackVector, Minute
UNION ALL
SELECT 'L7' AS layer, toString(AttackVector) AS vector, toUnixTimestamp(Minute) AS minute, sum(Events) AS value
FROM {db:Identifier}.l7_1m
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}
GROUP BY AttackVector, Minute

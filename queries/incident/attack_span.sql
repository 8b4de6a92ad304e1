-- Where one attack id appears in one tenant's telemetry, from the minute rollups: one row per layer whose data
-- carries the id (none when the tenant has no such attack; an id of another account is not found, as the
-- account is bound), with the first and last minute it was seen. The incident report's window is built from it.
-- Returns (layer 'L3/4' | 'L7', firstMinute, lastMinute unix seconds of minute starts).
SELECT 'L3/4' AS layer, toUnixTimestamp(min(Minute)) AS firstMinute, toUnixTimestamp(max(Minute)) AS lastMinute
FROM {db:Identifier}.net_1m
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND AttackID = {attack:String}
HAVING count() > 0
UNION ALL
SELECT 'L7' AS layer, toUnixTimestamp(min(Minute)) AS firstMinute, toUnixTimestamp(max(Minute)) AS lastMinute
FROM {db:Identifier}.l7_1m
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND AttackID = {attack:String}
HAVING count() > 0

-- What the data covers for one tenant, per layer, from the minute rollups: the first and last minute with data
-- inside the window, and the last minute with data at any time (after the window too). A tenant whose data
-- stops before the window ends may simply not have received it yet (telemetry pipelines lag).
-- Returns (layer, firstInWindow, lastInWindow, lastSeen): unix seconds of minute starts, 0 when there is none.
SELECT 'L3/4' AS layer,
       toUnixTimestamp(minIf(Minute, Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)})) AS firstInWindow,
       toUnixTimestamp(maxIf(Minute, Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)})) AS lastInWindow,
       toUnixTimestamp(max(Minute)) AS lastSeen
FROM {db:Identifier}.net_1m
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
UNION ALL
SELECT 'L7' AS layer,
       toUnixTimestamp(minIf(Minute, Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)})) AS firstInWindow,
       toUnixTimestamp(maxIf(Minute, Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)})) AS lastInWindow,
       toUnixTimestamp(max(Minute)) AS lastSeen
FROM {db:Identifier}.l7_1m
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))

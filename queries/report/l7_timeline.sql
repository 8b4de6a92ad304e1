-- L7 time series in buckets of {bucketSeconds}, one row per bucket and vector ('' = events not attributed to
-- an attack). Returns (t unix seconds, vector, events).
SELECT
    toUnixTimestamp(toStartOfInterval(Minute, toIntervalSecond({bucketSeconds:UInt32}))) AS t,
    AttackVector   AS vector,
    sum(Events)    AS events
FROM {db:Identifier}.l7_1m
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}
GROUP BY t, vector
ORDER BY t, vector

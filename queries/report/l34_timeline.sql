-- L3/4 time series in buckets of {bucketSeconds}, one row per bucket and vector ('' = traffic not attributed
-- to an attack). Returns (t unix seconds, vector, packets, bytes).
SELECT
    toUnixTimestamp(toStartOfInterval(Minute, toIntervalSecond({bucketSeconds:UInt32}))) AS t,
    AttackVector   AS vector,
    sum(Packets)   AS packets,
    sum(Bytes)     AS bytes
FROM {db:Identifier}.net_1m
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}
GROUP BY t, vector
ORDER BY t, vector

-- L3/4 time series in buckets of {bucketSeconds}, one row per bucket and vector ('' = traffic not attributed
-- to an attack): the bucket's totals and its busiest minute (peaks are what an attack report is about; an
-- average over a long bucket hides a ten-minute flood). Returns (t unix seconds, vector, packets, bytes,
-- peakPackets, peakBytes), the peaks being the largest one-minute sums in the bucket.
SELECT
    toUnixTimestamp(toStartOfInterval(Minute, toIntervalSecond({bucketSeconds:UInt32}))) AS t,
    AttackVector   AS vector,
    sum(p)         AS packets,
    sum(b)         AS bytes,
    max(p)         AS peakPackets,
    max(b)         AS peakBytes
FROM
(
    SELECT Minute, AttackVector, sum(Packets) AS p, sum(Bytes) AS b
    FROM {db:Identifier}.net_1m
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}
    GROUP BY Minute, AttackVector
)
GROUP BY t, vector
ORDER BY t, vector

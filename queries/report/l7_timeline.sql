-- L7 time series in buckets of {bucketSeconds}, one row per bucket and vector ('' = events not attributed to
-- an attack): the bucket's events and its busiest minute. Returns (t unix seconds, vector, events,
-- peakEvents), the peak being the largest one-minute sum in the bucket.
SELECT
    toUnixTimestamp(toStartOfInterval(Minute, toIntervalSecond({bucketSeconds:UInt32}))) AS t,
    AttackVector   AS vector,
    sum(e)         AS events,
    max(e)         AS peakEvents
FROM
(
    SELECT Minute, AttackVector, sum(Events) AS e
    FROM {db:Identifier}.l7_1m
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}
    GROUP BY Minute, AttackVector
)
GROUP BY t, vector
ORDER BY t, vector

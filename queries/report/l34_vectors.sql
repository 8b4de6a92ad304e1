-- L3/4 volume per attack vector in the window, with peaks on 1-minute buckets (minute's packets / 60,
-- minute's bytes * 8 / 60). Rows without a vector are not attack traffic and are left out.
-- Returns (vector, packets, bytes, droppedPackets, droppedBytes, peakPps, peakBps, peakMinute).
-- The peak minute is the first of equal peaks: argMax alone would take whichever came first, which changes with
-- the order rows arrive in (threads, or the shards of a cluster).
SELECT
    AttackVector                      AS vector,
    sum(p)                            AS packets,
    sum(b)                            AS bytes,
    sum(dp)                           AS droppedPackets,
    sum(db_)                          AS droppedBytes,
    max(p) / 60                       AS peakPps,
    max(b) * 8 / 60                   AS peakBps,
    toUnixTimestamp(argMin(Minute, (-toInt64(p), Minute))) AS peakMinute
FROM
(
    SELECT AttackVector, Minute, sum(Packets) AS p, sum(Bytes) AS b,
           sumIf(Packets, Outcome = 'drop') AS dp, sumIf(Bytes, Outcome = 'drop') AS db_
    FROM {db:Identifier}.net_1m
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}
      AND AttackVector != ''
    GROUP BY AttackVector, Minute
)
GROUP BY vector
ORDER BY bytes DESC, vector

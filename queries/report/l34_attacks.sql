-- L3/4 attacks (provider attack ids) active in the window: span, vectors, volume, dropped share and peaks on
-- 1-minute buckets across all of the attack's vectors. Only the part inside the window is counted.
-- Returns (id, vectors, start, end unix seconds, packets, bytes, droppedPackets, droppedBytes, peakPps,
-- peakBps, peakMinute).
-- The peak minute is the first of equal peaks: argMax alone would take whichever came first, which changes with
-- the order rows arrive in (threads, or the shards of a cluster).
SELECT
    AttackID                              AS id,
    arraySort(groupUniqArrayArray(vs))    AS vectors,
    toUnixTimestamp(min(Minute))          AS start,
    toUnixTimestamp(max(Minute)) + 60     AS end,
    sum(p)                                AS packets,
    sum(b)                                AS bytes,
    sum(dp)                               AS droppedPackets,
    sum(db_)                              AS droppedBytes,
    max(p) / 60                           AS peakPps,
    max(b) * 8 / 60                       AS peakBps,
    toUnixTimestamp(argMin(Minute, (-toInt64(p), Minute)))    AS peakMinute
FROM
(
    SELECT AttackID, Minute, groupUniqArrayIf(AttackVector, AttackVector != '') AS vs,
           sum(Packets) AS p, sum(Bytes) AS b,
           sumIf(Packets, Outcome = 'drop') AS dp, sumIf(Bytes, Outcome = 'drop') AS db_
    FROM {db:Identifier}.net_1m
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}
      AND AttackID != ''
    GROUP BY AttackID, Minute
)
GROUP BY id
ORDER BY start, id

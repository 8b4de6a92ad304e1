-- L7 attacks (attack ids on events) active in the window: span, vectors, events, mitigated events and the
-- peak on 1-minute buckets. Returns (id, vectors, start, end unix seconds, events, mitigatedEvents, peakRps,
-- peakMinute).
-- The peak minute is the first of equal peaks: argMax alone would take whichever came first, which changes with
-- the order rows arrive in (threads, or the shards of a cluster).
SELECT
    AttackID                              AS id,
    arraySort(groupUniqArrayArray(vs))    AS vectors,
    toUnixTimestamp(min(Minute))          AS start,
    toUnixTimestamp(max(Minute)) + 60     AS end,
    sum(e)                                AS events,
    sum(m)                                AS mitigatedEvents,
    max(e) / 60                           AS peakRps,
    toUnixTimestamp(argMin(Minute, (-toInt64(e), Minute)))    AS peakMinute
FROM
(
    SELECT AttackID, Minute, groupUniqArrayIf(AttackVector, AttackVector != '') AS vs, sum(Events) AS e,
           sumIf(Events, Action NOT IN ('log', 'allow', 'skip', '')) AS m
    FROM {db:Identifier}.l7_1m
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}
      AND AttackID != ''
    GROUP BY AttackID, Minute
)
GROUP BY id
ORDER BY start, id

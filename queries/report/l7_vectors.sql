-- L7 events per attack vector in the window, with the peak on 1-minute buckets (minute's events / 60).
-- Returns (vector, events, mitigatedEvents, peakRps, peakMinute).
-- The peak minute is the first of equal peaks: argMax alone would take whichever came first, which changes with
-- the order rows arrive in (threads, or the shards of a cluster).
SELECT
    AttackVector                       AS vector,
    sum(e)                             AS events,
    sum(m)                             AS mitigatedEvents,
    max(e) / 60                        AS peakRps,
    toUnixTimestamp(argMin(Minute, (-toInt64(e), Minute))) AS peakMinute
FROM
(
    SELECT AttackVector, Minute, sum(Events) AS e,
           sumIf(Events, Action NOT IN ('log', 'allow', 'skip', '')) AS m
    FROM {db:Identifier}.l7_1m
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}
      AND AttackVector != ''
    GROUP BY AttackVector, Minute
)
GROUP BY vector
ORDER BY events DESC, vector

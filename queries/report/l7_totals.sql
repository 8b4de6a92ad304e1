-- L7 totals for one tenant and window, from the minute rollup: security events, those mitigated (any action
-- other than log/allow/skip), and those attributed to an attack vector. Returns one row.
SELECT
    sum(Events)                                                     AS events,
    sumIf(Events, Action NOT IN ('log', 'allow', 'skip', ''))       AS mitigatedEvents,
    sumIf(Events, AttackVector != '')                               AS attackEvents
FROM {db:Identifier}.l7_1m
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}

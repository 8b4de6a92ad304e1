-- L7 security events by source (l7ddos, ratelimit, WAF ...) and action in the window.
-- Returns (source, action, events).
SELECT toString(Source) AS source, toString(Action) AS action, sum(Events) AS events
FROM {db:Identifier}.l7_1m
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}
GROUP BY source, action
ORDER BY events DESC, source, action

-- L3/4 attack traffic (rows with an attack vector) by mitigation system and outcome in the window.
-- Returns (system, outcome, packets, bytes).
SELECT toString(MitigationSystem) AS system, toString(Outcome) AS outcome, sum(Packets) AS packets, sum(Bytes) AS bytes
FROM {db:Identifier}.net_1m
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}
  AND AttackVector != ''
GROUP BY system, outcome
ORDER BY packets DESC, system, outcome

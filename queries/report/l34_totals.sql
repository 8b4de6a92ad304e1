-- L3/4 totals for one tenant and window, from the minute rollup: estimated packets and bytes, the part
-- dropped, and the part attributed to an attack vector. Returns one row.
SELECT
    sum(Packets)                              AS packets,
    sum(Bytes)                                AS bytes,
    sumIf(Packets, Outcome = 'drop')          AS droppedPackets,
    sumIf(Bytes, Outcome = 'drop')            AS droppedBytes,
    sumIf(Packets, AttackVector != '')        AS attackPackets,
    sumIf(Bytes, AttackVector != '')          AS attackBytes,
    sum(Samples)                              AS samples
FROM {db:Identifier}.net_1m
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}

-- The signature cube of one tenant and window, as one parameterized view: whole UTC days from net_sig_1d, the
-- other whole hours from net_sig_1h, the partial hours at the window's edges from net_sig_raw (bounds from
-- rollupBounds() in src/clickhouse/time.ts). Signature and backtest queries read the same rows through it.
-- Parameters: account, zones (empty = all), windowFrom, windowTo, hourFrom, hourTo, dayFrom, dayTo. Returns
-- cube rows, unaggregated across the three sources.
CREATE VIEW IF NOT EXISTS {db:Identifier}.net_sig_window AS
SELECT AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket, Packets
FROM {db:Identifier}.net_sig_1d
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND Day >= toDate({dayFrom:DateTime64(3)}) AND Day < toDate({dayTo:DateTime64(3)})
UNION ALL
SELECT AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket, Packets
FROM {db:Identifier}.net_sig_1h
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND ((Hour >= {hourFrom:DateTime64(3)} AND Hour < {dayFrom:DateTime64(3)})
    OR (Hour >= {dayTo:DateTime64(3)} AND Hour < {hourTo:DateTime64(3)}))
UNION ALL
SELECT AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket, Packets
FROM {db:Identifier}.net_sig_raw
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND ((Datetime >= {windowFrom:DateTime64(3)} AND Datetime < {hourFrom:DateTime64(3)})
    OR (Datetime >= {hourTo:DateTime64(3)} AND Datetime < {windowTo:DateTime64(3)}))

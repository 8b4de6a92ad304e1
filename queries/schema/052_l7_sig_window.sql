-- The L7 per-field rollup of one tenant and window, as one parameterized view: whole UTC days from l7_sig_1d,
-- the other whole hours from l7_sig_1h, the partial hours at the window's edges from l7_sig_raw (bounds from
-- rollupBounds() in src/clickhouse/time.ts). The L7 signature and backtest queries read the same rows through
-- it. Parameters as for net_sig_window. Returns rollup rows, unaggregated across the three sources.
CREATE VIEW IF NOT EXISTS {db:Identifier}.l7_sig_window AS
SELECT AttackVector, AttackID, Passed, Dimension, Value, Events
FROM {db:Identifier}.l7_sig_1d
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND Day >= toDate({dayFrom:DateTime64(3)}) AND Day < toDate({dayTo:DateTime64(3)})
UNION ALL
SELECT AttackVector, AttackID, Passed, Dimension, Value, Events
FROM {db:Identifier}.l7_sig_1h
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND ((Hour >= {hourFrom:DateTime64(3)} AND Hour < {dayFrom:DateTime64(3)})
    OR (Hour >= {dayTo:DateTime64(3)} AND Hour < {hourTo:DateTime64(3)}))
UNION ALL
SELECT AttackVector, AttackID, Passed, Dimension, Value, Events
FROM {db:Identifier}.l7_sig_raw
WHERE AccountID = {account:String}
  AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
  AND ((Datetime >= {windowFrom:DateTime64(3)} AND Datetime < {hourFrom:DateTime64(3)})
    OR (Datetime >= {hourTo:DateTime64(3)} AND Datetime < {windowTo:DateTime64(3)}))

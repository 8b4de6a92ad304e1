-- Fills net_src_1h from samples loaded before the rollup existed (runs once, before its materialized view is
-- created). Returns nothing.
INSERT INTO {db:Identifier}.net_src_1h
SELECT AccountID, ZoneID, toStartOfHour(Datetime) AS Hour, AttackVector, AttackID, Dimension, Value, sum(Packets) AS Packets
FROM {db:Identifier}.net_src_raw
GROUP BY AccountID, ZoneID, Hour, AttackVector, AttackID, Dimension, Value

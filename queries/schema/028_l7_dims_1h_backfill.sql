-- Fills l7_dims_1h from events loaded before the rollup existed (runs once, before its views are created, so
-- no row is counted twice). Returns nothing.
INSERT INTO {db:Identifier}.l7_dims_1h
SELECT AccountID, ZoneID, toStartOfHour(Datetime) AS Hour, AttackID, Dimension, Value, Label, sum(Events) AS Events
FROM {db:Identifier}.l7_dims_raw
GROUP BY AccountID, ZoneID, Hour, AttackID, Dimension, Value, Label

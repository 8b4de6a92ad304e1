-- Fills net_dims_1h from samples loaded before the rollup existed (runs once, before its views are created, so
-- no row is counted twice; the embedded engine has no concurrent writers during migration). Returns nothing.
INSERT INTO {db:Identifier}.net_dims_1h
SELECT AccountID, ZoneID, toStartOfHour(Datetime) AS Hour, AttackID, Dimension, Value, Label,
       sum(Packets) AS Packets, sum(Bytes) AS Bytes
FROM {db:Identifier}.net_dims_raw
GROUP BY AccountID, ZoneID, Hour, AttackID, Dimension, Value, Label

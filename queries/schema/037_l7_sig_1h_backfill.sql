-- Fills l7_sig_1h from events loaded before the rollup existed (runs once, before its materialized view is
-- created, so no row is counted twice). Returns nothing.
INSERT INTO {db:Identifier}.l7_sig_1h
SELECT AccountID, ZoneID, toStartOfHour(Datetime) AS Hour, AttackVector, AttackID, Passed, Dimension, Value, sum(Events) AS Events
FROM {db:Identifier}.l7_sig_raw
GROUP BY AccountID, ZoneID, Hour, AttackVector, AttackID, Passed, Dimension, Value

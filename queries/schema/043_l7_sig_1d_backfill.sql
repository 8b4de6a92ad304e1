-- Fills l7_sig_1d from the hourly rollup as it stands (runs once, before the daily view is created). Returns
-- nothing.
INSERT INTO {db:Identifier}.l7_sig_1d
SELECT AccountID, ZoneID, toDate(Hour) AS Day, AttackVector, AttackID, Passed, Dimension, Value, sum(Events) AS Events
FROM {db:Identifier}.l7_sig_1h
GROUP BY AccountID, ZoneID, Day, AttackVector, AttackID, Passed, Dimension, Value

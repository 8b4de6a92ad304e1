-- Feeds l7_sig_1d from every block written to l7_sig_1h. Returns nothing.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.l7_sig_1d_mv TO {db:Identifier}.l7_sig_1d AS
SELECT AccountID, ZoneID, toDate(Hour) AS Day, AttackVector, AttackID, Passed, Dimension, Value, sum(Events) AS Events
FROM {db:Identifier}.l7_sig_1h
GROUP BY AccountID, ZoneID, Day, AttackVector, AttackID, Passed, Dimension, Value

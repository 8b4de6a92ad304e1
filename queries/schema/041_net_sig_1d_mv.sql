-- Feeds net_sig_1d from every block written to net_sig_1h (itself fed by net_samples), so the daily cube is
-- built from already aggregated rows. Returns nothing.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.net_sig_1d_mv TO {db:Identifier}.net_sig_1d AS
SELECT AccountID, ZoneID, toDate(Hour) AS Day, AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort,
       LengthBucket, TTLBucket, sum(Packets) AS Packets, sum(Bytes) AS Bytes
FROM {db:Identifier}.net_sig_1h
GROUP BY AccountID, ZoneID, Day, AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket

-- Fills net_sig_1d from the hourly cube as it stands (runs once, before the daily view is created, so no row is
-- counted twice). Returns nothing.
INSERT INTO {db:Identifier}.net_sig_1d
SELECT AccountID, ZoneID, toDate(Hour) AS Day, AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort,
       LengthBucket, TTLBucket, sum(Packets) AS Packets, sum(Bytes) AS Bytes
FROM {db:Identifier}.net_sig_1h
GROUP BY AccountID, ZoneID, Day, AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket

-- Fills net_sig_1h from samples loaded before the cube existed (runs once, before its materialized view is
-- created, so no row is counted twice). Returns nothing.
INSERT INTO {db:Identifier}.net_sig_1h
SELECT AccountID, ZoneID, toStartOfHour(Datetime) AS Hour, AttackVector, AttackID, Outcome, Protocol, TCPFlags,
       SourcePort, DestinationPort, LengthBucket, TTLBucket, sum(Packets) AS Packets, sum(Bytes) AS Bytes
FROM {db:Identifier}.net_sig_raw
GROUP BY AccountID, ZoneID, Hour, AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket

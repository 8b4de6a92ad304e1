-- Feeds net_sig_1h from every insert into net_samples (columns map to the cube by name, so the classed ports keep
-- the source names and GROUP BY reads those aliases). The expressions restate the view net_sig_raw (033); a test
-- checks that the cube and the view agree. Returns nothing.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.net_sig_1h_mv TO {db:Identifier}.net_sig_1h AS
SELECT
    AccountID, ZoneID, toStartOfHour(Datetime) AS Hour, AttackVector, AttackID, Outcome,
    IPProtocol AS Protocol,
    TCPFlags,
    toInt32(if(SourcePort < 1024 OR has([1194, 1434, 1701, 1900, 3283, 3389, 3478, 3702, 4500, 5060, 5353, 5683, 8080, 8443, 10001, 11211, 27015, 32414, 33848, 37810], SourcePort), SourcePort, -1)) AS SourcePort,
    toInt32(if(DestinationPort < 1024 OR has([1194, 1434, 1701, 1900, 3283, 3389, 3478, 3702, 4500, 5060, 5353, 5683, 8080, 8443, 10001, 11211, 27015, 32414, 33848, 37810], DestinationPort), DestinationPort, -1)) AS DestinationPort,
    toUInt16(intDiv(IPTotalLength, 50) * 50) AS LengthBucket,
    toUInt8(intDiv(IPTTL, 16) * 16) AS TTLBucket,
    sum(Packets) AS Packets,
    sum(Bytes) AS Bytes
FROM {db:Identifier}.net_samples
GROUP BY AccountID, ZoneID, Hour, AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket

-- The one definition of a net_sig_1h row, unaggregated: every net_samples row with its ports classed and its
-- length and TTL bucketed (see 033_net_sig_1h). The backfill and the partial-hour edges of signature and
-- backtest queries read it; the materialized view 035 restates the same expressions. Returns nothing.
CREATE VIEW IF NOT EXISTS {db:Identifier}.net_sig_raw AS
SELECT
    AccountID, ZoneID, Datetime, AttackVector, AttackID, Outcome,
    IPProtocol AS Protocol,
    TCPFlags,
    toInt32(if(SourcePort < 1024 OR has([1194, 1434, 1701, 1900, 3283, 3389, 3478, 3702, 4500, 5060, 5353, 5683, 8080, 8443, 10001, 11211, 27015, 32414, 33848, 37810], SourcePort), SourcePort, -1)) AS SourcePort,
    toInt32(if(DestinationPort < 1024 OR has([1194, 1434, 1701, 1900, 3283, 3389, 3478, 3702, 4500, 5060, 5353, 5683, 8080, 8443, 10001, 11211, 27015, 32414, 33848, 37810], DestinationPort), DestinationPort, -1)) AS DestinationPort,
    toUInt16(intDiv(IPTotalLength, 50) * 50) AS LengthBucket,
    toUInt8(intDiv(IPTTL, 16) * 16) AS TTLBucket,
    Packets, Bytes
FROM {db:Identifier}.net_samples

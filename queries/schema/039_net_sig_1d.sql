-- Daily copy of the signature cube net_sig_1h (same columns, Day instead of Hour): a month-long report reads a
-- thirtieth of the rows, since the baseline repeats the same combinations hour after hour. Reports read whole
-- days here, whole hours of partial days from net_sig_1h and partial hours from net_sig_raw. Returns nothing.
CREATE TABLE IF NOT EXISTS {db:Identifier}.net_sig_1d
(
    AccountID        LowCardinality(String),
    ZoneID           LowCardinality(String),
    Day              Date,
    AttackVector     LowCardinality(String),
    AttackID         String,
    Outcome          LowCardinality(String),
    Protocol         UInt8,
    TCPFlags         UInt8,
    SourcePort       Int32,
    DestinationPort  Int32,
    LengthBucket     UInt16,
    TTLBucket        UInt8,
    Packets          SimpleAggregateFunction(sum, UInt64),
    Bytes            SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Day)
ORDER BY (AccountID, ZoneID, Day, AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket)
SETTINGS non_replicated_deduplication_window = 1000

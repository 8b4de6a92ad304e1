-- Hourly cube of all L3/4 traffic (attack and baseline) over the header fields that mitigation rules match on:
-- protocol, TCP flags, source and destination port, packet length and TTL. Ports are exact below 1024 and for a
-- fixed list of well-known higher service and reflector ports, else -1 (an unprivileged port of no note); length
-- is bucketed by 50 bytes and TTL by 16 (the bucket's lowest value is stored). Signatures (one dimension at a
-- time) and rule backtests (conjunctions) read it; rules are generated on these boundaries only, so a backtest on
-- the cube equals the same count on net_samples. Baseline rows have AttackVector ''. Returns nothing.
CREATE TABLE IF NOT EXISTS {db:Identifier}.net_sig_1h
(
    AccountID        LowCardinality(String),
    ZoneID           LowCardinality(String),
    Hour             DateTime('UTC'),
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
PARTITION BY toYYYYMM(Hour)
ORDER BY (AccountID, ZoneID, Hour, AttackVector, AttackID, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket)
SETTINGS non_replicated_deduplication_window = 1000

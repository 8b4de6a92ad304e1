-- Hourly distinct source addresses and /24 (IPv4) or /48 (IPv6) networks of all traffic, per layer, attack vector
-- and attack id, as mergeable HyperLogLog states (uniqHLL12: about 1.6% error, small states that merge fast over
-- a month of hours): how concentrated or spread the sources of an attack are. Returns nothing.
CREATE TABLE IF NOT EXISTS {db:Identifier}.sources_1h
(
    AccountID     LowCardinality(String),
    ZoneID        LowCardinality(String),
    Hour          DateTime('UTC'),
    Layer         LowCardinality(String),
    AttackVector  LowCardinality(String),
    AttackID      String,
    Addresses     AggregateFunction(uniqHLL12, IPv6),
    Networks      AggregateFunction(uniqHLL12, IPv6)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Hour)
ORDER BY (AccountID, ZoneID, Hour, Layer, AttackVector, AttackID)
SETTINGS non_replicated_deduplication_window = 1000

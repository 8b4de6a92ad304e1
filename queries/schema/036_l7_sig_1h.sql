-- Hourly rollup of all L7 events (attack and baseline) by one request field at a time: method, host, path, user
-- agent, JA3, JA4, edge response status, client country and client ASN. Baseline rows have AttackVector ''.
-- The L7 signature query and the backtests of L7 rules (each rule tests one field) read it. Returns nothing.
-- Readers must sum().
CREATE TABLE IF NOT EXISTS {db:Identifier}.l7_sig_1h
(
    AccountID     LowCardinality(String),
    ZoneID        LowCardinality(String),
    Hour          DateTime('UTC'),
    AttackVector  LowCardinality(String),
    AttackID      String,
    -- 1 when no rule mitigated the event (log, allow, skip or no action).
    Passed        UInt8,
    Dimension     LowCardinality(String),
    Value         String,
    Events        SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Hour)
ORDER BY (AccountID, ZoneID, Hour, AttackVector, AttackID, Passed, Dimension, Value)
SETTINGS non_replicated_deduplication_window = 1000

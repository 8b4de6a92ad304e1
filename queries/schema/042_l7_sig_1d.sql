-- Daily copy of the L7 per-field rollup l7_sig_1h (same columns, Day instead of Hour), read for the whole days
-- of a window; see net_sig_1d. Returns nothing. Readers must sum().
CREATE TABLE IF NOT EXISTS {db:Identifier}.l7_sig_1d
(
    AccountID     LowCardinality(String),
    ZoneID        LowCardinality(String),
    Day           Date,
    AttackVector  LowCardinality(String),
    AttackID      String,
    Passed        UInt8,
    Dimension     LowCardinality(String),
    Value         String,
    Events        SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Day)
ORDER BY (AccountID, ZoneID, Day, AttackVector, AttackID, Passed, Dimension, Value)
SETTINGS non_replicated_deduplication_window = 1000

-- Hourly rollup of mitigated L7 events (any action other than log/allow/skip) by one dimension at a time:
-- host, path, client country, client ASN (label = its name) and client IP. Feeds the L7 top lists and attack
-- targets; window edges that are not whole hours are read from l7_events. Returns nothing. Readers must sum().
CREATE TABLE IF NOT EXISTS {db:Identifier}.l7_dims_1h
(
    AccountID   LowCardinality(String),
    ZoneID      LowCardinality(String),
    Hour        DateTime('UTC'),
    AttackID    String,
    Dimension   LowCardinality(String),
    Value       String,
    Label       String,
    Events      SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Hour)
ORDER BY (AccountID, ZoneID, Hour, Dimension, AttackID, Value, Label)
SETTINGS non_replicated_deduplication_window = 1000

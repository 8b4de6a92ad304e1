-- Hourly rollup of L3/4 attack traffic (rows with an attack vector) by one dimension at a time: destination IP,
-- destination port (label = protocol), ingesting colo (label = its country) and source ASN (label = its name).
-- Feeds the top lists and attack targets; window edges that are not whole hours are read from net_samples.
-- Returns nothing. Readers must sum().
CREATE TABLE IF NOT EXISTS {db:Identifier}.net_dims_1h
(
    AccountID   LowCardinality(String),
    ZoneID      LowCardinality(String),
    Hour        DateTime('UTC'),
    AttackID    String,
    Dimension   LowCardinality(String),
    Value       String,
    Label       String,
    Packets     SimpleAggregateFunction(sum, UInt64),
    Bytes       SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Hour)
ORDER BY (AccountID, ZoneID, Hour, Dimension, AttackID, Value, Label)
SETTINGS non_replicated_deduplication_window = 1000

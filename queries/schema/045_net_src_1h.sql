-- Hourly rollup of all L3/4 traffic (attack and baseline) by one source-side field at a time: the ingesting
-- data centre (colo), the source country and the source ASN. Feeds the source part of L3/4 signatures; source
-- addresses can be spoofed, so these describe where traffic claimed to come from and where it landed, and no
-- rule is drawn from them. Baseline rows have AttackVector ''. Returns nothing. Readers must sum().
CREATE TABLE IF NOT EXISTS {db:Identifier}.net_src_1h
(
    AccountID     LowCardinality(String),
    ZoneID        LowCardinality(String),
    Hour          DateTime('UTC'),
    AttackVector  LowCardinality(String),
    AttackID      String,
    Dimension     LowCardinality(String),
    Value         String,
    Packets       SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Hour)
ORDER BY (AccountID, ZoneID, Hour, AttackVector, AttackID, Dimension, Value)
SETTINGS non_replicated_deduplication_window = 1000

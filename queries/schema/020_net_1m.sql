-- Minute rollup of L3/4 samples: estimated packets and bytes per tenant, minute, attack, vector and outcome.
-- Fed by net_1m_mv. Returns nothing. Readers must sum(): rows merge in the background, not at insert.
CREATE TABLE IF NOT EXISTS {db:Identifier}.net_1m
(
    AccountID         LowCardinality(String),
    ZoneID            LowCardinality(String),
    Minute            DateTime('UTC'),
    AttackID          String,
    AttackVector      LowCardinality(String),
    MitigationSystem  LowCardinality(String),
    Outcome           LowCardinality(String),
    IPProtocolName    LowCardinality(String),
    Samples           SimpleAggregateFunction(sum, UInt64),
    Packets           SimpleAggregateFunction(sum, UInt64),
    Bytes             SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Minute)
ORDER BY (AccountID, ZoneID, Minute, AttackVector, AttackID, MitigationSystem, Outcome, IPProtocolName)
SETTINGS non_replicated_deduplication_window = 1000

-- Minute rollup of L7 security events per tenant, minute, attack, vector, source, action and host.
-- Fed by l7_1m_mv. Returns nothing. Readers must sum().
CREATE TABLE IF NOT EXISTS {db:Identifier}.l7_1m
(
    AccountID          LowCardinality(String),
    ZoneID             LowCardinality(String),
    Minute             DateTime('UTC'),
    AttackID           String,
    AttackVector       LowCardinality(String),
    Source             LowCardinality(String),
    Action             LowCardinality(String),
    ClientRequestHost  LowCardinality(String),
    Events             SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(Minute)
ORDER BY (AccountID, ZoneID, Minute, AttackVector, AttackID, Source, Action, ClientRequestHost)
SETTINGS non_replicated_deduplication_window = 1000

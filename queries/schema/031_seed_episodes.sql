-- Ground truth of the demo generator: one row per planted attack episode. Tests of the analysis compare
-- detected episodes with these. Returns nothing.
CREATE TABLE IF NOT EXISTS {db:Identifier}.seed_episodes
(
    SeedRun      String,
    AccountID    String,
    ZoneID       String,
    AttackID     String,
    Layer        LowCardinality(String),
    Vectors      Array(String),
    Shape        LowCardinality(String),
    StartTime    DateTime64(3, 'UTC'),
    EndTime      DateTime64(3, 'UTC'),
    Target       String,
    PeakRate     Float64,
    Rows         UInt64
)
ENGINE = MergeTree
ORDER BY (AccountID, StartTime)

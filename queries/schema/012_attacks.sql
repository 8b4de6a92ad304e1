-- Attack summaries from providers or from our own detection: one logical row per attack, upserted while
-- it runs (read with FINAL). Returns nothing.
CREATE TABLE IF NOT EXISTS {db:Identifier}.attacks
(
    AccountID         LowCardinality(String),
    ZoneID            LowCardinality(String) DEFAULT '',
    Provider          LowCardinality(String),
    AttackID          String,
    Layer             LowCardinality(String),
    AttackVector      LowCardinality(String) DEFAULT '',
    Vectors           Array(LowCardinality(String)),
    StartTime         DateTime64(3, 'UTC'),
    EndTime           DateTime64(3, 'UTC'),
    TargetIP          IPv6 DEFAULT toIPv6('::'),
    TargetHost        LowCardinality(String) DEFAULT '',
    TargetPath        String DEFAULT '',
    DestinationPort   UInt16 DEFAULT 0,
    Packets           UInt64 DEFAULT 0,
    Bytes             UInt64 DEFAULT 0,
    Requests          UInt64 DEFAULT 0,
    PeakPPS           Float64 DEFAULT 0,
    PeakBPS           Float64 DEFAULT 0,
    PeakRPS           Float64 DEFAULT 0,
    Raw               String DEFAULT '' CODEC(ZSTD(3)),
    UpdatedAt         DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(UpdatedAt)
PARTITION BY toYYYYMM(StartTime)
ORDER BY (AccountID, ZoneID, Provider, AttackID)

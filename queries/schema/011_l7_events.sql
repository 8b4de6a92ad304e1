-- L7 security events (Logpush firewall_events column names), one row per rule match. Returns nothing.
-- AttackID/AttackVector are project-derived (Cloudflare exports carry no L7 attack id).
CREATE TABLE IF NOT EXISTS {db:Identifier}.l7_events
(
    AccountID                LowCardinality(String),
    ZoneID                   LowCardinality(String),
    ZoneName                 LowCardinality(String) DEFAULT '',
    Datetime                 DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    SampleInterval           UInt32 DEFAULT 1,
    RayID                    String DEFAULT '',
    Kind                     LowCardinality(String) DEFAULT 'firewall',
    Source                   LowCardinality(String) DEFAULT '',
    Action                   LowCardinality(String) DEFAULT '',
    RuleID                   LowCardinality(String) DEFAULT '',
    Description              LowCardinality(String) DEFAULT '',
    MatchIndex               UInt8 DEFAULT 0,

    ClientIP                 IPv6 DEFAULT toIPv6('::'),
    ClientASN                UInt32 DEFAULT 0,
    ClientASNDescription     LowCardinality(String) DEFAULT '',
    ClientCountry            LowCardinality(String) DEFAULT '',
    ClientRequestHost        LowCardinality(String) DEFAULT '',
    ClientRequestMethod      LowCardinality(String) DEFAULT '',
    ClientRequestPath        String DEFAULT '',
    ClientRequestQuery       String DEFAULT '',
    ClientRequestProtocol    LowCardinality(String) DEFAULT '',
    ClientRequestUserAgent   String DEFAULT '',
    EdgeColoCode             LowCardinality(String) DEFAULT '',
    EdgeResponseStatus       UInt16 DEFAULT 0,
    OriginResponseStatus     UInt16 DEFAULT 0,
    JA3Hash                  LowCardinality(String) DEFAULT '',
    JA4                      LowCardinality(String) DEFAULT '',
    BotScore                 UInt8 DEFAULT 0,

    AttackID                 String DEFAULT '',
    AttackVector             LowCardinality(String) DEFAULT '',

    _Source                  LowCardinality(String) DEFAULT 'logpush',
    _IngestedAt              DateTime DEFAULT now(),

    INDEX idx_attack AttackID TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(Datetime)
ORDER BY (AccountID, ZoneID, toStartOfMinute(Datetime), Source, Action, ClientRequestHost)
SETTINGS non_replicated_deduplication_window = 1000

-- L3/4 packet samples (Logpush network_analytics_logs column names). One row = one sampled packet standing
-- for SampleInterval packets, or one flow record (Packets/Bytes set by the loader). Returns nothing.
-- No TTL: historical captures of any age must load; retention is an operator setting, not a silent drop.
CREATE TABLE IF NOT EXISTS {db:Identifier}.net_samples
(
    AccountID                LowCardinality(String),
    ZoneID                   LowCardinality(String) DEFAULT '',
    Datetime                 DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    SampleInterval           UInt32 DEFAULT 1,
    -- Estimated packets and bytes this row stands for. Defaults follow the sampling definition; flow
    -- exports (one row per flow) set them directly.
    Packets                  UInt64 DEFAULT SampleInterval,
    Bytes                    UInt64 DEFAULT toUInt64(SampleInterval) * IPTotalLength,

    AttackID                 String DEFAULT '',
    AttackCampaignID         String DEFAULT '',
    AttackVector             LowCardinality(String) DEFAULT '',
    RuleID                   LowCardinality(String) DEFAULT '',
    RuleName                 LowCardinality(String) DEFAULT '',
    RulesetID                LowCardinality(String) DEFAULT '',
    MitigationSystem         LowCardinality(String) DEFAULT '',
    MitigationReason         LowCardinality(String) DEFAULT '',
    MitigationScope          LowCardinality(String) DEFAULT '',
    Outcome                  LowCardinality(String) DEFAULT '',
    Verdict                  LowCardinality(String) DEFAULT '',
    Direction                LowCardinality(String) DEFAULT '',

    ColoCode                 LowCardinality(String) DEFAULT '',
    ColoCity                 LowCardinality(String) DEFAULT '',
    ColoCountry              LowCardinality(String) DEFAULT '',

    IPSourceAddress          IPv6 DEFAULT toIPv6('::'),
    IPDestinationAddress     IPv6 DEFAULT toIPv6('::'),
    IPProtocol               UInt8 DEFAULT 0,
    IPProtocolName           LowCardinality(String) DEFAULT '',
    IPTotalLength            UInt16 DEFAULT 0,
    IPTTL                    UInt8 DEFAULT 0,
    IPFragmentOffset         UInt16 DEFAULT 0,
    IPMoreFragments          UInt8 DEFAULT 0,

    SourcePort               UInt16 DEFAULT 0,
    DestinationPort          UInt16 DEFAULT 0,
    TCPFlags                 UInt8 DEFAULT 0,
    TCPFlagsString           LowCardinality(String) DEFAULT '',
    TCPWindowSize            UInt16 DEFAULT 0,
    ICMPType                 UInt8 DEFAULT 0,
    ICMPCode                 UInt8 DEFAULT 0,

    SourceASN                UInt32 DEFAULT 0,
    SourceASNName            LowCardinality(String) DEFAULT '',
    SourceCountry            LowCardinality(String) DEFAULT '',
    DestinationASN           UInt32 DEFAULT 0,
    DestinationCountry       LowCardinality(String) DEFAULT '',

    _Source                  LowCardinality(String) DEFAULT 'logpush',
    _IngestedAt              DateTime DEFAULT now(),

    INDEX idx_attack AttackID             TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_dst    IPDestinationAddress TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(Datetime)
ORDER BY (AccountID, ZoneID, toStartOfMinute(Datetime), AttackID)
SETTINGS non_replicated_deduplication_window = 1000

-- Where each materialized-view layer of an attached source starts: its views count the provider's rows whose
-- time is at or after FeedFromMs, and `source sync` fills only what lies before it, so no row is counted by
-- both. One row per layer, written at attach. Returns nothing.
CREATE TABLE IF NOT EXISTS {db:Identifier}.source_feeds
(
    Layer      LowCardinality(String),
    FeedFromMs Int64,
    AttachedAt DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(AttachedAt)
ORDER BY Layer

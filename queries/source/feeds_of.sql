-- Where each materialized-view layer of an attached source starts counting. Returns (Layer String,
-- FeedFromMs Int64), one row per layer fed by materialized views; none for a source attached before this was
-- recorded (the table then does not exist: callers check with table_exists first).
SELECT Layer, argMax(FeedFromMs, AttachedAt) AS FeedFromMs
FROM {db:Identifier}.source_feeds
GROUP BY Layer

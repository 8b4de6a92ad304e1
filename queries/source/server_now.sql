-- The server's clock, in milliseconds since the epoch: what a materialized view's start is measured on.
SELECT toUnixTimestamp64Milli(now64(3)) AS nowMs

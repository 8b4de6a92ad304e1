-- Feeds the 'path' rows of l7_dims_1h from every insert into l7_events (mitigated events only). One view per
-- dimension, grouping on native columns first (see 026_net_dims_1h_mv_ip). Returns nothing.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.l7_dims_1h_mv_path TO {db:Identifier}.l7_dims_1h AS
SELECT
    AccountID, ZoneID,
    toStartOfHour(Datetime) AS Hour,
    AttackID,
    'path' AS Dimension, ClientRequestPath AS Value, '' AS Label,
    sum(toUInt64(SampleInterval)) AS Events
FROM {db:Identifier}.l7_events
WHERE Action NOT IN ('log', 'allow', 'skip', '')
GROUP BY AccountID, ZoneID, Hour, AttackID, ClientRequestPath

-- The one definition of an l7_dims_1h row: mitigated L7 events (any action other than log/allow/skip) turned
-- into one row per dimension (host; path; client country; client ASN, labelled with its name; client IP),
-- unaggregated. The backfill and the reports' partial-hour edges read it; filters on AccountID, ZoneID and
-- Datetime reach l7_events' primary key through the view. (The materialized views 029_* build the same rows,
-- grouped on native columns for insert speed.) Returns nothing.
CREATE VIEW IF NOT EXISTS {db:Identifier}.l7_dims_raw AS
SELECT
    AccountID, ZoneID, Datetime, AttackID,
    d.1 AS Dimension, d.2 AS Value, d.3 AS Label,
    toUInt64(SampleInterval) AS Events
FROM {db:Identifier}.l7_events
ARRAY JOIN [
    ('host',    toString(ClientRequestHost),   ''),
    ('path',    ClientRequestPath,             ''),
    ('country', toString(ClientCountry),       ''),
    ('asn',     toString(ClientASN),           toString(ClientASNDescription)),
    ('ip',      IPv6NumToString(ClientIP),     '')
] AS d
WHERE Action NOT IN ('log', 'allow', 'skip', '')

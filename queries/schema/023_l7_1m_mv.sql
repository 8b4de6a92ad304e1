-- Feeds l7_1m from every insert into l7_events. Returns nothing.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.l7_1m_mv TO {db:Identifier}.l7_1m AS
SELECT
    AccountID, ZoneID,
    toStartOfMinute(Datetime) AS Minute,
    AttackID, AttackVector, Source, Action, ClientRequestHost,
    sum(toUInt64(SampleInterval)) AS Events
FROM {db:Identifier}.l7_events
GROUP BY AccountID, ZoneID, Minute, AttackID, AttackVector, Source, Action, ClientRequestHost

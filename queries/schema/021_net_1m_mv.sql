-- Feeds net_1m from every insert into net_samples. Returns nothing.
CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.net_1m_mv TO {db:Identifier}.net_1m AS
SELECT
    AccountID, ZoneID,
    toStartOfMinute(Datetime) AS Minute,
    AttackID, AttackVector, MitigationSystem, Outcome, IPProtocolName,
    count()      AS Samples,
    sum(Packets) AS Packets,
    sum(Bytes)   AS Bytes
FROM {db:Identifier}.net_samples
GROUP BY AccountID, ZoneID, Minute, AttackID, AttackVector, MitigationSystem, Outcome, IPProtocolName

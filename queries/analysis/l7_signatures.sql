-- L7 traffic signatures of one tenant and window: events per value of each request field (method, host, path,
-- userAgent, ja3, ja4, status, country, asn), per attack vector (perEpisode 0) and per attack id (perEpisode 1).
-- Vector '' is the baseline: the zone's security events attributed to no attack. The pseudo-field 'all' (value '')
-- carries each scope's total. The rollup is read through the view l7_sig_window (daily, hourly and raw parts of the
-- window). At most 40 values per scope and field, largest first (the baseline keeps all its values). Returns
-- (vector, attackId, perEpisode, dimension, value, events).
WITH
rollup AS
(
    SELECT AttackVector, AttackID, Dimension, Value, Events
    FROM {db:Identifier}.l7_sig_window(account = {account:String}, zones = {zones:Array(String)}, windowFrom = {from:DateTime64(3)},
        windowTo = {to:DateTime64(3)}, hourFrom = {hourFrom:DateTime64(3)}, hourTo = {hourTo:DateTime64(3)}, dayFrom = {dayFrom:DateTime64(3)},
        dayTo = {dayTo:DateTime64(3)})
),
grouped AS
(
    SELECT toString(AttackVector) AS vector, AttackID AS attackId, grouping(AttackID) = 0 AS perEpisode,
           toString(Dimension) AS dimension, Value AS value, sum(Events) AS events
    FROM rollup
    GROUP BY GROUPING SETS ((vector, dimension, value), (vector, attackId, dimension, value))
)
SELECT vector, attackId, perEpisode, dimension, value, events
FROM grouped
WHERE NOT perEpisode OR attackId != ''
ORDER BY vector, attackId, perEpisode, dimension, events DESC, value
-- The baseline keeps every value, so that any attack value can be looked up in it.
LIMIT 40 BY vector, attackId, perEpisode, dimension, if(vector = '', value, '')

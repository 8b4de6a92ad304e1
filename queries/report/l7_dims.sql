-- Top lists and attack targets over mitigated L7 events (any action other than log/allow/skip) in the window,
-- exact: whole hours from the hourly rollup l7_dims_1h, the partial hours at the window's edges from
-- l7_events. {hourFrom}/{hourTo} bound the whole hours (equal when there are none).
-- Rows of kind 'top': the 10 largest values per dimension (host, path, country, asn, ip) over the window.
-- Rows of kind 'attack': per attack, its largest host and path, with their share of the attack.
-- Returns (kind, dimension, attackId, value, label, events, share).
WITH agg AS
(
    SELECT Dimension, AttackID, Value, Label, sum(Events) AS e
    FROM
    (
        SELECT Dimension, AttackID, Value, Label, Events
        FROM {db:Identifier}.l7_dims_1h
        WHERE AccountID = {account:String}
          AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
          AND Hour >= {hourFrom:DateTime64(3)} AND Hour < {hourTo:DateTime64(3)}
        UNION ALL
        SELECT d.1, AttackID, d.2, d.3, toUInt64(SampleInterval)
        FROM {db:Identifier}.l7_events
        ARRAY JOIN [
            ('host',    toString(ClientRequestHost),   ''),
            ('path',    ClientRequestPath,             ''),
            ('country', toString(ClientCountry),       ''),
            ('asn',     toString(ClientASN),           toString(ClientASNDescription)),
            ('ip',      IPv6NumToString(ClientIP),     '')
        ] AS d
        WHERE AccountID = {account:String}
          AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
          AND ((Datetime >= {from:DateTime64(3)} AND Datetime < {hourFrom:DateTime64(3)})
            OR (Datetime >= {hourTo:DateTime64(3)} AND Datetime < {to:DateTime64(3)}))
          AND Action NOT IN ('log', 'allow', 'skip', '')
    )
    GROUP BY Dimension, AttackID, Value, Label
)
SELECT kind, dimension, attackId, value, label, events, share
FROM
(
    SELECT 'top' AS kind, Dimension AS dimension, '' AS attackId, Value AS value, Label AS label, sum(e) AS events, 0. AS share
    FROM agg
    GROUP BY Dimension, Value, Label
    ORDER BY dimension, events DESC, value
    LIMIT 10 BY dimension
    UNION ALL
    -- argMax rather than a window function: one pass over the (possibly large) per-path rows.
    SELECT 'attack' AS kind, Dimension AS dimension, AttackID AS attackId, argMax(Value, e) AS value, argMax(Label, e) AS label,
           max(e) AS events, max(e) / sum(e) AS share
    FROM agg
    WHERE AttackID != '' AND Dimension IN ('host', 'path')
    GROUP BY Dimension, AttackID
)

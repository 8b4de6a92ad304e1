-- Per attack in the window, its largest host and path over mitigated L7 events (any action other than
-- log/allow/skip), with their share of the attack, exact:
-- whole hours from the hourly rollup l7_dims_1h, the partial hours at the window's edges from l7_events
-- ({hourFrom}/{hourTo} bound the whole hours; equal when there are none).
-- Returns (attackId, dimension, value, label, events, share).
SELECT AttackID AS attackId, Dimension AS dimension, argMax(Value, e) AS value, argMax(Label, e) AS label, max(e) AS events, max(e) / sum(e) AS share
FROM
(
    SELECT Dimension, AttackID, Value, Label, sum(Events) AS e
    FROM
        (
            SELECT Dimension, AttackID, Value, Label, Events
            FROM {db:Identifier}.l7_dims_1h
            WHERE AccountID = {account:String}
              AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
              AND Dimension IN ('host', 'path') AND AttackID != ''
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
    WHERE AttackID != '' AND Dimension IN ('host', 'path')
    GROUP BY Dimension, AttackID, Value, Label
)
GROUP BY Dimension, AttackID
ORDER BY attackId, dimension

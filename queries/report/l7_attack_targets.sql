-- Per attack in the window, its largest host and path over mitigated L7 events, with their share of the attack,
-- exact: whole hours from the hourly rollup l7_dims_1h, the partial hours at the window's edges from the
-- l7_dims_raw view ({hourFrom}/{hourTo} as in l34_top.sql). Returns (attackId, dimension, value, label, events, share).
-- Of equal tops, the lowest value (then label) wins, and value, label and bytes come from that one row: argMax
-- by the count alone would break ties by arrival order (threads, shards) and could mix rows.
SELECT AttackID AS attackId, Dimension AS dimension, argMin(Value, (-toInt64(e), Value, Label)) AS value, argMin(Label, (-toInt64(e), Value, Label)) AS label,
       max(e) AS events, max(e) / sum(e) AS share
FROM
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
        SELECT Dimension, AttackID, Value, Label, Events
        FROM {db:Identifier}.l7_dims_raw
        WHERE AccountID = {account:String}
          AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
          AND ((Datetime >= {from:DateTime64(3)} AND Datetime < {hourFrom:DateTime64(3)})
            OR (Datetime >= {hourTo:DateTime64(3)} AND Datetime < {to:DateTime64(3)}))
    )
    WHERE AttackID != '' AND Dimension IN ('host', 'path')
    GROUP BY Dimension, AttackID, Value, Label
)
GROUP BY Dimension, AttackID
ORDER BY attackId, dimension

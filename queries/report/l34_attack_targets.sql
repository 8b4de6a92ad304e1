-- Per attack in the window, its largest destination IP and destination port (labelled with the protocol), with
-- their share of the attack, exact: whole hours from the hourly rollup net_dims_1h, the partial hours at the
-- window's edges from the net_dims_raw view ({hourFrom}/{hourTo} as in l34_top.sql).
-- Returns (attackId, dimension, value, label, packets, bytes, share).
SELECT AttackID AS attackId, Dimension AS dimension, argMax(Value, p) AS value, argMax(Label, p) AS label,
       max(p) AS packets, argMax(b, p) AS bytes, max(p) / sum(p) AS share
FROM
(
    SELECT Dimension, AttackID, Value, Label, sum(Packets) AS p, sum(Bytes) AS b
    FROM
    (
        SELECT Dimension, AttackID, Value, Label, Packets, Bytes
        FROM {db:Identifier}.net_dims_1h
        WHERE AccountID = {account:String}
          AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
          AND Hour >= {hourFrom:DateTime64(3)} AND Hour < {hourTo:DateTime64(3)}
        UNION ALL
        SELECT Dimension, AttackID, Value, Label, Packets, Bytes
        FROM {db:Identifier}.net_dims_raw
        WHERE AccountID = {account:String}
          AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
          AND ((Datetime >= {from:DateTime64(3)} AND Datetime < {hourFrom:DateTime64(3)})
            OR (Datetime >= {hourTo:DateTime64(3)} AND Datetime < {to:DateTime64(3)}))
    )
    WHERE AttackID != '' AND Dimension IN ('ip', 'port')
    GROUP BY Dimension, AttackID, Value, Label
)
GROUP BY Dimension, AttackID
ORDER BY attackId, dimension

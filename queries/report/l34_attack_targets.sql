-- Per attack in the window, its largest destination IP and destination port (labelled with the protocol), with
-- their share of the attack, exact: whole hours from the hourly rollup net_dims_1h, the partial hours at the
-- window's edges from the net_dims_raw view ({hourFrom}/{hourTo} as in l34_top.sql).
-- Returns (attackId, dimension, value, label, packets, bytes, share).
-- Of equal tops, the lowest value (then label) wins, and value, label and bytes come from that one row: argMax
-- by the count alone would break ties by arrival order (threads, shards) and could mix rows.
SELECT AttackID AS attackId, Dimension AS dimension, argMin(Value, (-toInt64(p), Value, Label)) AS value, argMin(Label, (-toInt64(p), Value, Label)) AS label,
       max(p) AS packets, argMin(b, (-toInt64(p), Value, Label)) AS bytes, max(p) / sum(p) AS share
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

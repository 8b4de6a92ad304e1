-- The 10 largest values per dimension (ip, port labelled with the protocol, colo labelled with its country, asn
-- labelled with its name) over L3/4 attack traffic in the window, exact: whole hours from the hourly rollup
-- net_dims_1h, the partial hours at the window's edges from the net_dims_raw view ({hourFrom}/{hourTo} bound the
-- whole hours; equal when there are none). Returns (dimension, value, label, packets, bytes).
SELECT Dimension AS dimension, Value AS value, Label AS label, sum(Packets) AS packets, sum(Bytes) AS bytes
FROM
(
    SELECT Dimension, Value, Label, Packets, Bytes
    FROM {db:Identifier}.net_dims_1h
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Hour >= {hourFrom:DateTime64(3)} AND Hour < {hourTo:DateTime64(3)}
    UNION ALL
    SELECT Dimension, Value, Label, Packets, Bytes
    FROM {db:Identifier}.net_dims_raw
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND ((Datetime >= {from:DateTime64(3)} AND Datetime < {hourFrom:DateTime64(3)})
        OR (Datetime >= {hourTo:DateTime64(3)} AND Datetime < {to:DateTime64(3)}))
)
GROUP BY Dimension, Value, Label
ORDER BY dimension, packets DESC, value, label
LIMIT 10 BY dimension

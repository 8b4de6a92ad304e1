-- The 10 largest values per dimension (ip, port (label = protocol), colo (label = country), asn (label =
-- name)) over L3/4 attack traffic (rows with an attack vector) in the window, exact:
-- whole hours from the hourly rollup net_dims_1h, the partial hours at the window's edges from net_samples
-- ({hourFrom}/{hourTo} bound the whole hours; equal when there are none).
-- Returns (dimension, value, label, packets, bytes).
SELECT Dimension AS dimension, Value AS value, Label AS label, sum(Packets) AS packets, sum(Bytes) AS bytes
FROM
(
    SELECT Dimension, AttackID, Value, Label, Packets, Bytes
    FROM {db:Identifier}.net_dims_1h
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Hour >= {hourFrom:DateTime64(3)} AND Hour < {hourTo:DateTime64(3)}
    UNION ALL
    SELECT d.1, AttackID, d.2, d.3, Packets, Bytes
    FROM {db:Identifier}.net_samples
    ARRAY JOIN [
        ('ip',   IPv6NumToString(IPDestinationAddress), ''),
        ('port', toString(DestinationPort),             toString(IPProtocolName)),
        ('colo', toString(ColoCode),                    toString(ColoCountry)),
        ('asn',  toString(SourceASN),                   toString(SourceASNName))
    ] AS d
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND ((Datetime >= {from:DateTime64(3)} AND Datetime < {hourFrom:DateTime64(3)})
        OR (Datetime >= {hourTo:DateTime64(3)} AND Datetime < {to:DateTime64(3)}))
      AND AttackVector != ''
)
GROUP BY Dimension, Value, Label
ORDER BY dimension, packets DESC, value
LIMIT 10 BY dimension

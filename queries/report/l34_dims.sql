-- Top lists and attack targets over L3/4 attack traffic (rows with an attack vector) in the window, exact:
-- whole hours from the hourly rollup net_dims_1h, the partial hours at the window's edges from net_samples.
-- {hourFrom}/{hourTo} bound the whole hours (equal when there are none).
-- Rows of kind 'top': the 10 largest values per dimension (ip, port, colo, asn) over the window.
-- Rows of kind 'attack': per attack, its largest destination IP and port, with their share of the attack.
-- Returns (kind, dimension, attackId, value, label, packets, bytes, share).
WITH agg AS
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
    GROUP BY Dimension, AttackID, Value, Label
)
SELECT kind, dimension, attackId, value, label, packets, bytes, share
FROM
(
    SELECT 'top' AS kind, Dimension AS dimension, '' AS attackId, Value AS value, Label AS label,
           sum(p) AS packets, sum(b) AS bytes, 0. AS share
    FROM agg
    GROUP BY Dimension, Value, Label
    ORDER BY dimension, packets DESC, value
    LIMIT 10 BY dimension
    UNION ALL
    -- argMax rather than a window function: one pass over the (possibly large) per-port rows.
    SELECT 'attack' AS kind, Dimension AS dimension, AttackID AS attackId, argMax(Value, p) AS value, argMax(Label, p) AS label,
           max(p) AS packets, argMax(b, p) AS bytes, max(p) / sum(p) AS share
    FROM agg
    WHERE AttackID != '' AND Dimension IN ('ip', 'port')
    GROUP BY Dimension, AttackID
)

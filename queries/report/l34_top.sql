-- Top-10 lists over L3/4 attack traffic (rows with an attack vector) in the window, exact (GROUP BY, not
-- sketches): destination IPs, destination ports with protocol, ingesting data centres (colos) and source
-- ASNs. Returns (dimension, value, label, packets, bytes).
WITH attack AS
(
    SELECT IPDestinationAddress, DestinationPort, IPProtocolName, ColoCode, ColoCountry, SourceASN, SourceASNName, Packets, Bytes
    FROM {db:Identifier}.net_samples
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Datetime >= {from:DateTime64(3)} AND Datetime < {to:DateTime64(3)}
      AND AttackVector != ''
)
SELECT * FROM
(
    SELECT 'ip' AS dimension, IPv6NumToString(ip) AS value, '' AS label, packets, bytes FROM
    (SELECT IPDestinationAddress AS ip, sum(Packets) AS packets, sum(Bytes) AS bytes FROM attack GROUP BY ip ORDER BY packets DESC, ip LIMIT 10)
    UNION ALL
    SELECT 'port', concat(toString(port), '/', proto), '', packets, bytes FROM
    (SELECT DestinationPort AS port, toString(IPProtocolName) AS proto, sum(Packets) AS packets, sum(Bytes) AS bytes FROM attack
     GROUP BY port, proto ORDER BY packets DESC, port LIMIT 10)
    UNION ALL
    SELECT 'colo', toString(ColoCode), any(toString(ColoCountry)), sum(Packets) AS packets, sum(Bytes)
    FROM attack GROUP BY ColoCode ORDER BY packets DESC, ColoCode LIMIT 10
    UNION ALL
    SELECT 'asn', toString(SourceASN), any(toString(SourceASNName)), sum(Packets) AS packets, sum(Bytes)
    FROM attack GROUP BY SourceASN ORDER BY packets DESC, SourceASN LIMIT 10
)
ORDER BY dimension, packets DESC, value

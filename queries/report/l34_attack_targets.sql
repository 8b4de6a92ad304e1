-- The main target of each L3/4 attack in the window: the destination IP and port with the most estimated
-- packets, and the share of the attack's packets they received. Returns (id, ip, port, share).
SELECT id, IPv6NumToString(dst) AS ip, port, p / sum(p) OVER (PARTITION BY id) AS share
FROM
(
    SELECT AttackID AS id, IPDestinationAddress AS dst, DestinationPort AS port, sum(Packets) AS p
    FROM {db:Identifier}.net_samples
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Datetime >= {from:DateTime64(3)} AND Datetime < {to:DateTime64(3)}
      AND AttackID != ''
    GROUP BY id, dst, port
)
ORDER BY id, p DESC, dst, port
LIMIT 1 BY id

-- Where each vector's L3/4 attack traffic went in one tenant and window, read from net_samples (bounded by its sort
-- key: tenant, zones, time), for scoping suggested rules to the attacked destinations. Networks are /24 for IPv4
-- (stored IPv4-mapped, so /120 of the IPv6 column) and /64 for IPv6. Returns one row per vector in {vectors}:
-- vector, addresses (distinct destination addresses), someAddresses (up to {limit}+1 of them, sorted, as IPv6
-- strings), networks (distinct networks), someNetworks (up to {limit}+1 network start addresses, sorted).
SELECT
    toString(AttackVector) AS vector,
    uniqExact(IPDestinationAddress) AS addresses,
    arrayMap(a -> IPv6NumToString(a), arraySort(groupUniqArray({limit:UInt32} + 1)(IPDestinationAddress))) AS someAddresses,
    uniqExact(network) AS networks,
    arrayMap(a -> IPv6NumToString(a), arraySort(groupUniqArray({limit:UInt32} + 1)(network))) AS someNetworks
FROM
(
    SELECT AttackVector, IPDestinationAddress,
           IPv6CIDRToRange(IPDestinationAddress, if(IPDestinationAddress BETWEEN toIPv6('::ffff:0.0.0.0') AND toIPv6('::ffff:255.255.255.255'), 120, 64)).1 AS network
    FROM {db:Identifier}.net_samples
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Datetime >= {from:DateTime64(3)} AND Datetime < {to:DateTime64(3)}
      AND AttackVector IN {vectors:Array(String)}
)
GROUP BY vector
ORDER BY vector

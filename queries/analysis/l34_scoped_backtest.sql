-- Backtest of the chosen L3/4 rules, each scoped to the destinations its vector's attack traffic went to, on the
-- raw net_samples of one tenant and window (bounded by its sort key; the signature cube has no destination). Rule
-- i matches a row when its protocol, ports, TCP flags, length and TTL conditions hold (as in l34_backtest.sql, here
-- on the raw values) and the destination lies in one of its networks ({dstNetworks}[i] start addresses with
-- {dstBits}[i] prefix lengths of the IPv6 column: 128 for one address, 120 for an IPv4 /24, 64 for an IPv6 /64, the
-- only lengths net-scope.ts writes; each is tested with has() on a constant set, far cheaper per row than a range
-- test per network); an empty network list is an unscoped rule. Returns one row per rule: rule (1-based), targetMatched, targetTotal, attackMatched,
-- passedAttackMatched, baselineMatched, baselineTotal (packets, as in l34_backtest.sql).
WITH
rules AS
(
    SELECT
        arrayJoin(arrayEnumerate({vectors:Array(String)})) AS rule,
        {vectors:Array(String)}[rule] AS vector,
        {protocols:Array(Int16)}[rule] AS protocol,
        {sourcePorts:Array(Array(Int32))}[rule] AS sourcePorts,
        {destinationPorts:Array(Array(Int32))}[rule] AS destinationPorts,
        {excludedDestinationPorts:Array(Array(Int32))}[rule] AS excludedDestinationPorts,
        {tcpFlags:Array(Int16)}[rule] AS tcpFlags,
        {lengthMin:Array(UInt16)}[rule] AS lengthMin,
        {lengthMax:Array(UInt16)}[rule] AS lengthMax,
        {ttlMin:Array(UInt8)}[rule] AS ttlMin,
        {ttlMax:Array(UInt8)}[rule] AS ttlMax,
        {dstNetworks:Array(Array(IPv6))}[rule] AS dstNetworks,
        {dstBits:Array(Array(UInt8))}[rule] AS dstBits
),
-- Only whether a port is named and whether a destination lies in some rule's networks matter: collapsing the rest
-- first leaves far fewer rows to test against the rules than there are samples. A row outside every rule's networks
-- can match no scoped rule, so only its vector and outcome are kept (for the totals), unless some rule is unscoped.
combos AS
(
    SELECT AttackVector, Outcome,
           arrayExists(n -> empty(n), {dstNetworks:Array(Array(IPv6))})
             OR has(arrayFilter((n, b) -> b = 128, arrayFlatten({dstNetworks:Array(Array(IPv6))}), arrayFlatten({dstBits:Array(Array(UInt8))})), IPDestinationAddress)
             OR has(arrayFilter((n, b) -> b = 120, arrayFlatten({dstNetworks:Array(Array(IPv6))}), arrayFlatten({dstBits:Array(Array(UInt8))})), IPv6CIDRToRange(IPDestinationAddress, 120).1)
             OR has(arrayFilter((n, b) -> b = 64, arrayFlatten({dstNetworks:Array(Array(IPv6))}), arrayFlatten({dstBits:Array(Array(UInt8))})), IPv6CIDRToRange(IPDestinationAddress, 64).1) AS inScope,
           if(inScope, IPProtocol, 0) AS kIPProtocol,
           if(inScope, TCPFlags, 0) AS kTCPFlags,
           if(inScope, IPTotalLength, 0) AS kIPTotalLength,
           if(inScope, IPTTL, 0) AS kIPTTL,
           if(inScope AND has({ports:Array(Int32)}, SourcePort), toInt32(SourcePort), -2) AS sourcePort,
           if(inScope AND has({ports:Array(Int32)}, DestinationPort), toInt32(DestinationPort), -2) AS destinationPort,
           if(inScope, IPDestinationAddress, toIPv6('::')) AS destination,
           sum(Packets) AS Packets
    FROM {db:Identifier}.net_samples
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Datetime >= {from:DateTime64(3)} AND Datetime < {to:DateTime64(3)}
    GROUP BY AttackVector, Outcome, inScope, kIPProtocol, kTCPFlags, kIPTotalLength, kIPTTL, sourcePort, destinationPort, destination
)
SELECT
    rule,
    sumIf(Packets, matched AND AttackVector = vector) AS targetMatched,
    sumIf(Packets, AttackVector = vector) AS targetTotal,
    sumIf(Packets, matched AND AttackVector != '') AS attackMatched,
    sumIf(Packets, matched AND AttackVector != '' AND Outcome = 'pass') AS passedAttackMatched,
    sumIf(Packets, matched AND AttackVector = '') AS baselineMatched,
    sumIf(Packets, AttackVector = '') AS baselineTotal
FROM
(
    SELECT rule, vector, AttackVector, Outcome, Packets,
        (protocol < 0 OR kIPProtocol = protocol)
        AND (empty(sourcePorts) OR has(sourcePorts, sourcePort))
        AND (empty(destinationPorts) OR has(destinationPorts, destinationPort))
        AND NOT has(excludedDestinationPorts, destinationPort)
        AND (tcpFlags < 0 OR kTCPFlags = tcpFlags)
        AND kIPTotalLength BETWEEN lengthMin AND lengthMax
        AND kIPTTL BETWEEN ttlMin AND ttlMax
        AND inScope
        AND (empty(dstNetworks) OR arrayExists((n, b) -> IPv6CIDRToRange(destination, b).1 = n, dstNetworks, dstBits)) AS matched
    FROM combos CROSS JOIN rules
)
GROUP BY rule
ORDER BY rule

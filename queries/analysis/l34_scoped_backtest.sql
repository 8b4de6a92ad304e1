-- Backtest of the chosen L3/4 rules, each scoped to the destinations its vector's attack traffic went to, on the
-- raw net_samples of one tenant and window (bounded by its sort key; the signature cube has no destination). Rule
-- i matches a row when its protocol, ports, TCP flags, length and TTL conditions hold (as in l34_backtest.sql: length
-- in 50-byte and TTL in 16-wide buckets, on whose boundaries every rule is drawn) and the destination lies in one of its networks ({dstNetworks}[i] start addresses with
-- {dstBits}[i] prefix lengths of the IPv6 column: 128 for one address, 120 for an IPv4 /24, 64 for an IPv6 /64, the
-- only lengths net-scope.ts writes; each is tested with has() on a constant set, far cheaper per row than a range
-- test per network); an empty network list is an unscoped rule. Only the rows some rule can match are read from
-- net_samples (those in some rule's networks, or all when a rule is unscoped); the totals a share is taken of come
-- from the minute rollup net_1m, which holds the same sums (the window is in whole minutes). Returns one row per
-- rule: rule (1-based), targetMatched, targetTotal, attackMatched, passedAttackMatched, baselineMatched,
-- baselineTotal (packets, as in l34_backtest.sql).
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
        {lengthFrom:Array(UInt16)}[rule] AS lengthFrom,
        {lengthTo:Array(UInt16)}[rule] AS lengthTo,
        {ttlFrom:Array(UInt8)}[rule] AS ttlFrom,
        {ttlTo:Array(UInt8)}[rule] AS ttlTo,
        {dstNetworks:Array(Array(IPv6))}[rule] AS dstNetworks,
        {dstBits:Array(Array(UInt8))}[rule] AS dstBits
),
arrayFlatten({dstNetworks:Array(Array(IPv6))}) AS flatNetworks,
arrayFlatten({dstBits:Array(Array(UInt8))}) AS flatBits,
-- Only whether a port is named and where the destination lies matter: collapsing the rest first leaves far fewer
-- rows to test against the rules than there are samples.
combos AS
(
    SELECT AttackVector, Outcome, IPProtocol, TCPFlags, intDiv(IPTotalLength, 50) * 50 AS lengthBucket, intDiv(IPTTL, 16) * 16 AS ttlBucket,
           if(has({ports:Array(Int32)}, SourcePort), toInt32(SourcePort), -2) AS sourcePort,
           if(has({ports:Array(Int32)}, DestinationPort), toInt32(DestinationPort), -2) AS destinationPort,
           IPDestinationAddress AS destination,
           sum(Packets) AS Packets
    FROM {db:Identifier}.net_samples
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Datetime >= {from:DateTime64(3)} AND Datetime < {to:DateTime64(3)}
      AND (arrayExists(n -> empty(n), {dstNetworks:Array(Array(IPv6))})
           OR has(arrayFilter((n, b) -> b = 128, flatNetworks, flatBits), IPDestinationAddress)
           OR has(arrayFilter((n, b) -> b = 120, flatNetworks, flatBits), IPv6CIDRToRange(IPDestinationAddress, 120).1)
           OR has(arrayFilter((n, b) -> b = 64, flatNetworks, flatBits), IPv6CIDRToRange(IPDestinationAddress, 64).1))
    GROUP BY ALL
),
matches AS
(
    SELECT
        rule,
        sumIf(Packets, matched AND AttackVector = vector) AS targetMatched,
        sumIf(Packets, matched AND AttackVector != '') AS attackMatched,
        sumIf(Packets, matched AND AttackVector != '' AND Outcome = 'pass') AS passedAttackMatched,
        sumIf(Packets, matched AND AttackVector = '') AS baselineMatched
    FROM
    (
        SELECT rule, vector, AttackVector, Outcome, Packets,
            (protocol < 0 OR IPProtocol = protocol)
            AND (empty(sourcePorts) OR has(sourcePorts, sourcePort))
            AND (empty(destinationPorts) OR has(destinationPorts, destinationPort))
            AND NOT has(excludedDestinationPorts, destinationPort)
            AND (tcpFlags < 0 OR TCPFlags = tcpFlags)
            AND lengthBucket BETWEEN lengthFrom AND lengthTo
            AND ttlBucket BETWEEN ttlFrom AND ttlTo
            AND (empty(dstNetworks) OR arrayExists((n, b) -> IPv6CIDRToRange(destination, b).1 = n, dstNetworks, dstBits)) AS matched
        FROM combos CROSS JOIN rules
    )
    GROUP BY rule
),
totals AS
(
    SELECT AttackVector, sum(Packets) AS packets
    FROM {db:Identifier}.net_1m
    WHERE AccountID = {account:String}
      AND (empty({zones:Array(String)}) OR has({zones:Array(String)}, ZoneID))
      AND Minute >= {from:DateTime64(3)} AND Minute < {to:DateTime64(3)}
    GROUP BY AttackVector
)
SELECT
    rules.rule AS rule,
    matches.targetMatched AS targetMatched,
    target.packets AS targetTotal,
    matches.attackMatched AS attackMatched,
    matches.passedAttackMatched AS passedAttackMatched,
    matches.baselineMatched AS baselineMatched,
    (SELECT sum(packets) FROM totals WHERE AttackVector = '') AS baselineTotal
FROM rules
LEFT JOIN matches ON matches.rule = rules.rule
LEFT JOIN totals AS target ON target.AttackVector = rules.vector
ORDER BY rule

-- Backtest of candidate L3/4 rules on one tenant and window, all rules in one query over the signature cube (read
-- through the view net_sig_window: daily, hourly and raw parts of the window), each rule tested against every
-- distinct combination of field values. Rule i matches a row when every one of its set conditions holds: protocol
-- (-1 = any), source ports in a list (empty = any), destination ports in a list (empty = any) and not in an
-- exclusion list, TCP flags equal (-1 = any), length bucket and TTL bucket within bounds (bucket starts,
-- inclusive). Rules only name exact port classes and bucket boundaries, so these counts equal the same conditions
-- on net_samples. Returns one row per rule: rule (1-based index into the arrays), targetMatched (matched packets of
-- the rule's own vector), targetTotal (all packets of that vector), attackMatched (matched packets of any attack
-- vector), passedAttackMatched (of those, the ones that were passed), baselineMatched (matched traffic attributed
-- to no attack) and baselineTotal.
WITH
cube AS
(
    SELECT AttackVector, Outcome, Protocol, TCPFlags, SourcePort, DestinationPort, LengthBucket, TTLBucket, Packets
    FROM {db:Identifier}.net_sig_window(account = {account:String}, zones = {zones:Array(String)}, windowFrom = {from:DateTime64(3)},
        windowTo = {to:DateTime64(3)}, hourFrom = {hourFrom:DateTime64(3)}, hourTo = {hourTo:DateTime64(3)}, dayFrom = {dayFrom:DateTime64(3)},
        dayTo = {dayTo:DateTime64(3)})
),
-- Collapsing the hours, and every port that no rule names ({ports}) into one class -2, leaves a few thousand
-- combinations to test against the rules: a rule only asks whether a port is in one of its lists.
combos AS
(
    SELECT AttackVector, Outcome, Protocol, TCPFlags,
           if(has({ports:Array(Int32)}, SourcePort), SourcePort, -2) AS sourcePort,
           if(has({ports:Array(Int32)}, DestinationPort), DestinationPort, -2) AS destinationPort,
           LengthBucket, TTLBucket, sum(Packets) AS Packets
    FROM cube
    GROUP BY AttackVector, Outcome, Protocol, TCPFlags, sourcePort, destinationPort, LengthBucket, TTLBucket
),
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
        {ttlTo:Array(UInt8)}[rule] AS ttlTo
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
        (protocol < 0 OR Protocol = protocol)
        AND (empty(sourcePorts) OR has(sourcePorts, sourcePort))
        AND (empty(destinationPorts) OR has(destinationPorts, destinationPort))
        AND NOT has(excludedDestinationPorts, destinationPort)
        AND (tcpFlags < 0 OR TCPFlags = tcpFlags)
        AND LengthBucket BETWEEN lengthFrom AND lengthTo
        AND TTLBucket BETWEEN ttlFrom AND ttlTo AS matched
    FROM combos CROSS JOIN rules
)
GROUP BY rule
ORDER BY rule

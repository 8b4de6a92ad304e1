-- Plants every vector of every demo attack into net_samples in one statement (one big parallel insert writes
-- far fewer parts than one insert per vector). Element i of each array parameter describes vector i; global
-- row n belongs to the first i with n < ends[i]. Each vector's rows are spread over its episode by the inverse
-- CDF of the episode's shape, with the vector's signature. Deterministic: every random draw is a hash
-- (cityHash64) of ({seed}, streams[i], n). Returns nothing.
INSERT INTO {db:Identifier}.net_samples
    (AccountID, ZoneID, Datetime, SampleInterval, AttackID, AttackVector, RuleID, RuleName, MitigationSystem,
     MitigationReason, MitigationScope, Outcome, Verdict, Direction, ColoCode, ColoCountry, IPSourceAddress,
     IPDestinationAddress, IPProtocol, IPProtocolName, IPTotalLength, IPTTL, SourcePort, DestinationPort,
     TCPFlags, TCPFlagsString, SourceASN, SourceASNName, SourceCountry, _Source)
SELECT
    {accounts:Array(String)}[i],
    {zones:Array(String)}[i],
    fromUnixTimestamp64Milli(toInt64({startsMs:Array(Int64)}[i] + floor({durationsMs:Array(Int64)}[i] * t))),
    {sampleIntervals:Array(UInt32)}[i],
    {attackIds:Array(String)}[i],
    {vectors:Array(String)}[i],
    {ruleIds:Array(String)}[i],
    {ruleNames:Array(String)}[i],
    {mitigationSystems:Array(String)}[i],
    if(passed, '', 'BLOCKED'),
    'global',
    if(passed, 'pass', 'drop'),
    if(passed, 'pass', 'drop'),
    'ingress',
    {colos:Array(String)}[coloIdx],
    {coloCountries:Array(String)}[coloIdx],
    toIPv6(IPv4NumToString(toUInt32(if({sourcePools:Array(UInt32)}[i] = 0, h3 % 4294967296, ((h3 % {sourcePools:Array(UInt32)}[i]) * 2654435761) % 4294967296)))),
    toIPv6({targetIps:Array(String)}[i]),
    {protocols:Array(UInt8)}[i],
    {protocolNames:Array(String)}[i],
    toUInt16({sizeMins:Array(UInt16)}[i] + h4 % ({sizeMaxes:Array(UInt16)}[i] - {sizeMins:Array(UInt16)}[i] + 1)),
    toUInt8({ttlMins:Array(UInt8)}[i] + h5 % ({ttlMaxes:Array(UInt8)}[i] - {ttlMins:Array(UInt8)}[i] + 1)),
    toUInt16(if({sourcePorts:Array(UInt16)}[i] > 0, {sourcePorts:Array(UInt16)}[i], if({protocols:Array(UInt8)}[i] IN (6, 17), 1024 + h6 % 64511, 0))),
    toUInt16(if(empty({destinationPortLists:Array(Array(UInt16))}[i]), 1 + h7 % 65535, {destinationPortLists:Array(Array(UInt16))}[i][1 + toUInt32(floor(length({destinationPortLists:Array(Array(UInt16))}[i]) * pow(u8, 2)))])),
    {tcpFlagValues:Array(UInt8)}[i],
    {tcpFlagsStrings:Array(String)}[i],
    {asns:Array(UInt32)}[asnIdx],
    {asnNames:Array(String)}[asnIdx],
    {asnCountries:Array(String)}[asnIdx],
    'synthetic'
FROM
(
    SELECT
        number,
        arrayFirstIndex(x -> number < x, {ends:Array(UInt64)}) AS i,
        cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 1) / 18446744073709551616. AS u1,
        cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 2) / 18446744073709551616. AS u2,
        cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 3) AS h3,
        cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 4) AS h4,
        cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 5) AS h5,
        cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 6) AS h6,
        cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 7) AS h7,
        cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 8) / 18446744073709551616. AS u8,
        cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 9) / 18446744073709551616. AS u9,
        cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 10) / 18446744073709551616. AS u10,
        -- A fifth of the rows are spread evenly over the episode: real floods reach a visible rate within a
        -- minute or two, so every minute of a planted episode carries samples (detection is tested on that).
        if(cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 11) % 5 = 0, u1, multiIf(
            {shapes:Array(String)}[i] = 'ramp', sqrt(u1),
            {shapes:Array(String)}[i] = 'decay', -log(1 - u1 * (1 - exp(-4))) / 4,
            {shapes:Array(String)}[i] = 'trapezoid',
                if(u1 < 0.125, 0.2 * sqrt(u1 / 0.125), if(u1 < 0.875, 0.2 + 0.6 * (u1 - 0.125) / 0.75, 1 - 0.2 * sqrt((1 - u1) / 0.125))),
            u1)) AS t,
        -- Detection takes seconds: what mitigation let through sits at the start of the attack.
        u2 < {passShares:Array(Float64)}[i] AS passed,
        1 + toUInt32(floor(length({colos:Array(String)}) * pow(u9, if({sourcePools:Array(UInt32)}[i] = 0, 1, 2)))) AS coloIdx,
        1 + toUInt32(floor(length({asns:Array(UInt32)}) * pow(u10, 2.5))) AS asnIdx
    FROM numbers_mt({total:UInt64})
)
-- Re-seeding writes blocks identical to earlier ones; block deduplication must not swallow them.
SETTINGS insert_deduplicate = 0, parallel_view_processing = 1

-- Plants one vector of one demo attack into net_samples: {rows} sampled packets spread over the episode by
-- the inverse CDF of its shape, with the vector's signature. Deterministic: every random draw is a hash (cityHash64) of
-- ({seed}, {stream}, row number). Returns nothing.
INSERT INTO {db:Identifier}.net_samples
    (AccountID, ZoneID, Datetime, SampleInterval, AttackID, AttackVector, RuleID, RuleName, MitigationSystem,
     MitigationReason, MitigationScope, Outcome, Verdict, Direction, ColoCode, ColoCountry, IPSourceAddress,
     IPDestinationAddress, IPProtocol, IPProtocolName, IPTotalLength, IPTTL, SourcePort, DestinationPort,
     TCPFlags, TCPFlagsString, SourceASN, SourceASNName, SourceCountry, _Source)
SELECT
    {account:String},
    {zone:String},
    fromUnixTimestamp64Milli(toInt64({startMs:Int64} + floor({durationMs:Int64} * t))),
    {sampleInterval:UInt32},
    {attackId:String},
    {vector:String},
    {ruleId:String},
    {ruleName:String},
    {mitigationSystem:String},
    if(passed, '', 'BLOCKED'),
    'global',
    if(passed, 'pass', 'drop'),
    if(passed, 'pass', 'drop'),
    'ingress',
    {colos:Array(String)}[coloIdx],
    {coloCountries:Array(String)}[coloIdx],
    toIPv6(IPv4NumToString(toUInt32(if({sourcePool:UInt32} = 0, h3 % 4294967296, ((h3 % {sourcePool:UInt32}) * 2654435761) % 4294967296)))),
    toIPv6({targetIp:String}),
    {protocol:UInt8},
    {protocolName:String},
    toUInt16({sizeMin:UInt16} + h4 % ({sizeMax:UInt16} - {sizeMin:UInt16} + 1)),
    toUInt8({ttlMin:UInt8} + h5 % ({ttlMax:UInt8} - {ttlMin:UInt8} + 1)),
    toUInt16(if({sourcePort:UInt16} > 0, {sourcePort:UInt16}, if({protocol:UInt8} IN (6, 17), 1024 + h6 % 64511, 0))),
    toUInt16(if(empty({destinationPorts:Array(UInt16)}), 1 + h7 % 65535, {destinationPorts:Array(UInt16)}[1 + toUInt32(floor(length({destinationPorts:Array(UInt16)}) * pow(u8, 2)))])),
    {tcpFlags:UInt8},
    {tcpFlagsString:String},
    {asns:Array(UInt32)}[asnIdx],
    {asnNames:Array(String)}[asnIdx],
    {asnCountries:Array(String)}[asnIdx],
    'synthetic'
FROM
(
    SELECT
        number,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 1) / 18446744073709551616. AS u1,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 2) / 18446744073709551616. AS u2,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 3) AS h3,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 4) AS h4,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 5) AS h5,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 6) AS h6,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 7) AS h7,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 8) / 18446744073709551616. AS u8,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 9) / 18446744073709551616. AS u9,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 10) / 18446744073709551616. AS u10,
        multiIf(
            {shape:String} = 'ramp', sqrt(u1),
            {shape:String} = 'decay', -log(1 - u1 * (1 - exp(-4))) / 4,
            {shape:String} = 'trapezoid',
                if(u1 < 0.125, 0.2 * sqrt(u1 / 0.125), if(u1 < 0.875, 0.2 + 0.6 * (u1 - 0.125) / 0.75, 1 - 0.2 * sqrt((1 - u1) / 0.125))),
            u1) AS t,
        -- Detection takes seconds: what mitigation let through sits at the start of the attack.
        u2 < {passShare:Float64} AS passed,
        1 + toUInt32(floor(length({colos:Array(String)}) * pow(u9, if({sourcePool:UInt32} = 0, 1, 2)))) AS coloIdx,
        1 + toUInt32(floor(length({asns:Array(UInt32)}) * pow(u10, 2.5))) AS asnIdx
    FROM numbers_mt({rows:UInt64})
)
-- Re-seeding writes blocks identical to earlier ones; block deduplication must not swallow them.
SETTINGS insert_deduplicate = 0

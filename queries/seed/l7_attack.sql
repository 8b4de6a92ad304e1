-- Plants one vector of one demo L7 attack into l7_events: {rows} security events spread over the episode by
-- its shape, from a bounded bot pool, with the vector's methods, paths, user agents and TLS fingerprints.
-- Deterministic (hashes of {seed}, {stream}, row). Returns nothing.
INSERT INTO {db:Identifier}.l7_events
    (AccountID, ZoneID, ZoneName, Datetime, SampleInterval, RayID, Source, Action, RuleID, Description,
     ClientIP, ClientASN, ClientASNDescription, ClientCountry, ClientRequestHost, ClientRequestMethod,
     ClientRequestPath, ClientRequestQuery, ClientRequestProtocol, ClientRequestUserAgent, EdgeColoCode,
     EdgeResponseStatus, JA3Hash, JA4, AttackID, AttackVector, _Source)
SELECT
    {account:String},
    {zone:String},
    {zoneName:String},
    fromUnixTimestamp64Milli(toInt64({startMs:Int64} + floor({durationMs:Int64} * t))),
    {sampleInterval:UInt32},
    lower(hex(cityHash64({seed:UInt64}, {stream:UInt64}, number, 20))),
    {source:String},
    action,
    {ruleId:String},
    {description:String},
    toIPv6(IPv4NumToString(toUInt32(((h3 % {botPool:UInt32}) * 2654435761) % 4294967296))),
    {asns:Array(UInt32)}[asnIdx],
    {asnNames:Array(String)}[asnIdx],
    {asnCountries:Array(String)}[asnIdx],
    {host:String},
    {methods:Array(String)}[1 + h4 % length({methods:Array(String)})],
    {paths:Array(String)}[1 + toUInt32(floor(length({paths:Array(String)}) * pow(u5, 2)))],
    if({randomQuery:Bool}, concat('?', lower(hex(cityHash64({seed:UInt64}, {stream:UInt64}, number, 21) % 4294967296))), ''),
    arrayElement(['HTTP/1.1', 'HTTP/2', 'HTTP/1.1'], 1 + h6 % 3),
    {userAgents:Array(String)}[1 + toUInt32(floor(length({userAgents:Array(String)}) * pow(u7, 1.5)))],
    {colos:Array(String)}[1 + h8 % length({colos:Array(String)})],
    if(action = 'block', if({source:String} = 'ratelimit', 429, 403), 403),
    {ja3:Array(String)}[1 + h9 % length({ja3:Array(String)})],
    {ja4:Array(String)}[1 + h9 % length({ja4:Array(String)})],
    {attackId:String},
    {vector:String},
    'synthetic'
FROM
(
    SELECT
        number,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 1) / 18446744073709551616. AS u1,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 2) / 18446744073709551616. AS u2,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 3) AS h3,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 4) AS h4,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 5) / 18446744073709551616. AS u5,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 6) AS h6,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 7) / 18446744073709551616. AS u7,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 8) AS h8,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 9) AS h9,
        1 + toUInt32(floor(length({asns:Array(UInt32)}) * pow(cityHash64({seed:UInt64}, {stream:UInt64}, number, 10) / 18446744073709551616., 2))) AS asnIdx,
        multiIf(
            {shape:String} = 'ramp', sqrt(u1),
            {shape:String} = 'decay', -log(1 - u1 * (1 - exp(-4))) / 4,
            {shape:String} = 'trapezoid',
                if(u1 < 0.125, 0.2 * sqrt(u1 / 0.125), if(u1 < 0.875, 0.2 + 0.6 * (u1 - 0.125) / 0.75, 1 - 0.2 * sqrt((1 - u1) / 0.125))),
            u1) AS t,
        -- Requests let through before the rule engaged are logged, not mitigated.
        if(u2 < {passShare:Float64}, 'log', {actions:Array(String)}[1 + toUInt32(floor(length({actions:Array(String)}) * pow(u2, 3)))]) AS action
    FROM numbers_mt({rows:UInt64})
)
-- Re-seeding writes blocks identical to earlier ones; block deduplication must not swallow them.
SETTINGS insert_deduplicate = 0

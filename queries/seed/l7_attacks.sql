-- Plants every vector of every demo L7 attack into l7_events in one statement. Element i of each array
-- parameter describes vector i; global row n belongs to the first i with n < ends[i]. Each vector's events are
-- spread over its episode by the episode's shape, from a bounded bot pool, with the vector's methods, paths,
-- user agents and TLS fingerprints. Deterministic (hashes of {seed}, streams[i], n). Returns nothing.
INSERT INTO {db:Identifier}.l7_events
    (AccountID, ZoneID, ZoneName, Datetime, SampleInterval, RayID, Source, Action, RuleID, Description,
     ClientIP, ClientASN, ClientASNDescription, ClientCountry, ClientRequestHost, ClientRequestMethod,
     ClientRequestPath, ClientRequestQuery, ClientRequestProtocol, ClientRequestUserAgent, EdgeColoCode,
     EdgeResponseStatus, JA3Hash, JA4, AttackID, AttackVector, _Source)
SELECT
    {accounts:Array(String)}[i],
    {zones:Array(String)}[i],
    {zoneNames:Array(String)}[i],
    fromUnixTimestamp64Milli(toInt64({startsMs:Array(Int64)}[i] + floor({durationsMs:Array(Int64)}[i] * t))),
    {sampleIntervals:Array(UInt32)}[i],
    lower(hex(cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 20))),
    {sources:Array(String)}[i],
    action,
    {ruleIds:Array(String)}[i],
    {descriptions:Array(String)}[i],
    toIPv6(IPv4NumToString(toUInt32(((h3 % {botPools:Array(UInt32)}[i]) * 2654435761) % 4294967296))),
    {asns:Array(UInt32)}[asnIdx],
    {asnNames:Array(String)}[asnIdx],
    {asnCountries:Array(String)}[asnIdx],
    {hosts:Array(String)}[i],
    {methodLists:Array(Array(String))}[i][1 + h4 % length({methodLists:Array(Array(String))}[i])],
    {pathLists:Array(Array(String))}[i][1 + toUInt32(floor(length({pathLists:Array(Array(String))}[i]) * pow(u5, 2)))],
    if({randomQueries:Array(Bool)}[i], concat('?', lower(hex(cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 21) % 4294967296))), ''),
    arrayElement(['HTTP/1.1', 'HTTP/2', 'HTTP/1.1'], 1 + h6 % 3),
    {userAgents:Array(String)}[1 + toUInt32(floor(length({userAgents:Array(String)}) * pow(u7, 1.5)))],
    {colos:Array(String)}[1 + h8 % length({colos:Array(String)})],
    if(action = 'block', if({sources:Array(String)}[i] = 'ratelimit', 429, 403), 403),
    {ja3:Array(String)}[1 + h9 % length({ja3:Array(String)})],
    {ja4:Array(String)}[1 + h9 % length({ja4:Array(String)})],
    {attackIds:Array(String)}[i],
    {vectors:Array(String)}[i],
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
        cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 5) / 18446744073709551616. AS u5,
        cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 6) AS h6,
        cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 7) / 18446744073709551616. AS u7,
        cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 8) AS h8,
        cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 9) AS h9,
        1 + toUInt32(floor(length({asns:Array(UInt32)}) * pow(cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 10) / 18446744073709551616., 2))) AS asnIdx,
        -- A fifth of the rows are spread evenly over the episode: real floods reach a visible rate within a
        -- minute or two, so every minute of a planted episode carries samples (detection is tested on that).
        if(cityHash64({seed:UInt64}, {streams:Array(UInt64)}[i], number, 11) % 5 = 0, u1, multiIf(
            {shapes:Array(String)}[i] = 'ramp', sqrt(u1),
            {shapes:Array(String)}[i] = 'decay', -log(1 - u1 * (1 - exp(-4))) / 4,
            {shapes:Array(String)}[i] = 'trapezoid',
                if(u1 < 0.125, 0.2 * sqrt(u1 / 0.125), if(u1 < 0.875, 0.2 + 0.6 * (u1 - 0.125) / 0.75, 1 - 0.2 * sqrt((1 - u1) / 0.125))),
            u1)) AS t,
        -- Requests let through before the rule engaged are logged, not mitigated.
        if(u2 < {passShares:Array(Float64)}[i], 'log', {actionLists:Array(Array(String))}[i][1 + toUInt32(floor(length({actionLists:Array(Array(String))}[i]) * pow(u2, 3)))]) AS action
    FROM numbers_mt({total:UInt64})
)
-- Re-seeding writes blocks identical to earlier ones; block deduplication must not swallow them.
SETTINGS insert_deduplicate = 0, parallel_view_processing = 1

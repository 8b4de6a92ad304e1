-- Plants a tenant's everyday L7 security events over the window (WAF probes logged or blocked, bots
-- challenged), with the hostile strings that real telemetry carries. Deterministic. Returns nothing.
INSERT INTO {db:Identifier}.l7_events
    (AccountID, ZoneID, ZoneName, Datetime, SampleInterval, RayID, Source, Action, RuleID, Description,
     ClientIP, ClientASN, ClientASNDescription, ClientCountry, ClientRequestHost, ClientRequestMethod,
     ClientRequestPath, ClientRequestProtocol, ClientRequestUserAgent, EdgeColoCode, EdgeResponseStatus,
     JA3Hash, JA4, _Source)
SELECT
    {account:String},
    {zones:Array(String)}[zoneIdx],
    {zoneNames:Array(String)}[zoneIdx],
    fromUnixTimestamp64Milli(toInt64({fromMs:Int64} + floor(({toMs:Int64} - {fromMs:Int64}) * t))),
    1,
    lower(hex(cityHash64({seed:UInt64}, {stream:UInt64}, number, 20))),
    arrayElement(['firewallmanaged', 'firewallmanaged', 'botmanagement', 'firewallcustom'], kind),
    arrayElement(['log', 'block', 'managed_challenge', 'block'], kind),
    arrayElement(['waf-100001', 'waf-100002', 'bm-0001', 'custom-0001'], kind),
    arrayElement(['SQLi probe (log only)', 'Known vulnerability probe', 'Likely automated traffic', 'Block admin paths'], kind),
    toIPv6(IPv4NumToString(toUInt32(((h3 % 50000) * 2654435761) % 4294967296))),
    {asns:Array(UInt32)}[asnIdx],
    {asnNames:Array(String)}[asnIdx],
    {asnCountries:Array(String)}[asnIdx],
    {hosts:Array(String)}[zoneIdx],
    arrayElement(['GET', 'GET', 'POST', 'HEAD'], 1 + h4 % 4),
    {paths:Array(String)}[1 + h5 % length({paths:Array(String)})],
    'HTTP/2',
    {userAgents:Array(String)}[1 + h6 % length({userAgents:Array(String)})],
    {colos:Array(String)}[1 + h7 % length({colos:Array(String)})],
    if(kind = 1, 200, 403),
    {ja3:Array(String)}[1 + h8 % length({ja3:Array(String)})],
    {ja4:Array(String)}[1 + h8 % length({ja4:Array(String)})],
    'synthetic'
FROM
(
    SELECT
        number,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 1) / 18446744073709551616. AS u1,
        greatest(0., least(0.999999999, u1 - 0.5 * sin(2 * pi() * {days:Float64} * u1) / (2 * pi() * {days:Float64}))) AS t,
        1 + cityHash64({seed:UInt64}, {stream:UInt64}, number, 2) % 4 AS kind,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 3) AS h3,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 4) AS h4,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 5) AS h5,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 6) AS h6,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 7) AS h7,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 8) AS h8,
        1 + cityHash64({seed:UInt64}, {stream:UInt64}, number, 9) % length({zones:Array(String)}) AS zoneIdx,
        1 + cityHash64({seed:UInt64}, {stream:UInt64}, number, 10) % length({asns:Array(UInt32)}) AS asnIdx
    FROM numbers_mt({rows:UInt64})
)
-- Re-seeding writes blocks identical to earlier ones; block deduplication must not swallow them.
SETTINGS insert_deduplicate = 0, parallel_view_processing = 1

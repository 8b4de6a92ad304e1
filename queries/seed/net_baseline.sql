-- Plants a tenant's legitimate L3/4 traffic over the whole window with a diurnal swing: web traffic to the
-- tenant's prefix, passed, no attack attribution. Deterministic (hashes of {seed}, {stream}, row). Returns nothing.
INSERT INTO {db:Identifier}.net_samples
    (AccountID, ZoneID, Datetime, SampleInterval, Outcome, Verdict, Direction, ColoCode, ColoCountry,
     IPSourceAddress, IPDestinationAddress, IPProtocol, IPProtocolName, IPTotalLength, IPTTL, SourcePort,
     DestinationPort, TCPFlags, TCPFlagsString, SourceASN, SourceASNName, SourceCountry, _Source)
SELECT
    {account:String},
    '',
    fromUnixTimestamp64Milli(toInt64({fromMs:Int64} + floor(({toMs:Int64} - {fromMs:Int64}) * t))),
    {sampleInterval:UInt32},
    'pass', 'pass', 'ingress',
    {colos:Array(String)}[coloIdx],
    {coloCountries:Array(String)}[coloIdx],
    toIPv6(IPv4NumToString(toUInt32(((h3 % 200000) * 2654435761) % 4294967296))),
    toIPv6(concat({prefix:String}, toString(10 + h4 % 40))),
    if(isUdp, 17, 6),
    if(isUdp, 'udp', 'tcp'),
    toUInt16(if(h5 % 3 = 0, 52 + h5 % 40, 1200 + h5 % 300)),
    toUInt8(if(h6 % 2 = 0, 50 + h6 % 14, 110 + h6 % 18)),
    toUInt16(1024 + h7 % 64511),
    toUInt16(if(isUdp, 443, arrayElement([443, 443, 443, 80, 22], 1 + h8 % 5))),
    if(isUdp, 0, arrayElement([16, 24, 24, 2, 18, 17], 1 + h9 % 6)),
    if(isUdp, '', arrayElement(['A', 'PA', 'PA', 'S', 'SA', 'FA'], 1 + h9 % 6)),
    {asns:Array(UInt32)}[asnIdx],
    {asnNames:Array(String)}[asnIdx],
    {asnCountries:Array(String)}[asnIdx],
    'synthetic'
FROM
(
    SELECT
        number,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 1) / 18446744073709551616. AS u1,
        -- First-order inverse of the CDF of 1 + 0.5 cos(2 pi days x): a daily swing of about +-50%.
        greatest(0., least(0.999999999, u1 - 0.5 * sin(2 * pi() * {days:Float64} * u1) / (2 * pi() * {days:Float64}))) AS t,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 3) AS h3,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 4) AS h4,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 5) AS h5,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 6) AS h6,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 7) AS h7,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 8) AS h8,
        cityHash64({seed:UInt64}, {stream:UInt64}, number, 9) AS h9,
        h8 % 10 = 0 AS isUdp,
        1 + cityHash64({seed:UInt64}, {stream:UInt64}, number, 10) % length({colos:Array(String)}) AS coloIdx,
        1 + cityHash64({seed:UInt64}, {stream:UInt64}, number, 11) % length({asns:Array(UInt32)}) AS asnIdx
    FROM numbers_mt({rows:UInt64})
)
-- Re-seeding writes blocks identical to earlier ones; block deduplication must not swallow them.
SETTINGS insert_deduplicate = 0, parallel_view_processing = 1

-- Every account and zone that has telemetry, per layer, from the minute rollups: the first and last minute
-- with data and the rows behind them (L3/4: samples or flow records; L7: security events). {account} '' lists
-- all accounts, else that one. Returns (accountId, zoneId, layer, firstMinute, lastMinute unix seconds, rows).
SELECT accountId, zoneId, layer, firstMinute, lastMinute, rows
FROM
(
    SELECT toString(AccountID) AS accountId, toString(ZoneID) AS zoneId, 'L3/4' AS layer,
           toUnixTimestamp(min(Minute)) AS firstMinute, toUnixTimestamp(max(Minute)) AS lastMinute, sum(Samples) AS rows
    FROM {db:Identifier}.net_1m
    WHERE {account:String} = '' OR AccountID = {account:String}
    GROUP BY AccountID, ZoneID
    UNION ALL
    SELECT toString(AccountID) AS accountId, toString(ZoneID) AS zoneId, 'L7' AS layer,
           toUnixTimestamp(min(Minute)) AS firstMinute, toUnixTimestamp(max(Minute)) AS lastMinute, sum(Events) AS rows
    FROM {db:Identifier}.l7_1m
    WHERE {account:String} = '' OR AccountID = {account:String}
    GROUP BY AccountID, ZoneID
)
ORDER BY accountId, zoneId, layer
